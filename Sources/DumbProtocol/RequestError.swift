/// The errors of the protocol, each answered with one `ERR <reason>` line.
public enum RequestError: Error, Equatable, Sendable {
    case unknownCommand
    case badArgument
    /// The server closes the connection after this one.
    case lineTooLong

    /// The response line, with its `\n`.
    public var responseLine: StaticString {
        switch self {
        case .unknownCommand: "ERR unknown command\n"
        case .badArgument: "ERR bad argument\n"
        case .lineTooLong: "ERR line too long\n"
        }
    }
}
