/// The lines of the chat protocol (select_chat, epoll_chat), byte for byte.
public enum ChatMessages {
    /// How clients are named: `client-7`.
    public static func name(_ id: Int) -> String { "client-\(id)" }

    /// To a new client: `WELCOME client-7\n`.
    public static func welcome(_ id: Int) -> [UInt8] { Array("WELCOME \(name(id))\n".utf8) }

    /// To the others when a client arrives: `client-7 joined\n`.
    public static func joined(_ id: Int) -> [UInt8] { Array("\(name(id)) joined\n".utf8) }

    /// To the others when a client leaves or is cut off: `client-7 left\n`.
    public static func left(_ id: Int) -> [UInt8] { Array("\(name(id)) left\n".utf8) }

    /// A line relayed to the others: `client-7: <line>\n`.
    public static func relay(from id: Int, _ line: ArraySlice<UInt8>) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(line.count + 24)
        message.append(contentsOf: "client-".utf8)
        message.append(contentsOf: String(id).utf8)
        message.append(contentsOf: ": ".utf8)
        message.append(contentsOf: line)
        message.append(UInt8(ascii: "\n"))
        return message
    }

    /// To a client whose line is longer than the limit, before it is disconnected: the DUMB
    /// protocol's `ERR line too long`.
    public static let lineTooLong = RequestError.lineTooLong.responseLine.withUTF8Buffer { Array($0) }

    /// To the connection select() cannot watch, before it is closed.
    public static func serverFull(descriptorLimit: Int32) -> [UInt8] {
        Array(
            "ERR server full: select() watches only descriptors below FD_SETSIZE (\(descriptorLimit)); try again later, or use epoll_chat\n"
                .utf8)
    }
}
