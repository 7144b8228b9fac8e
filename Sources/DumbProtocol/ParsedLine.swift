/// The outcome of parsing one line.
public enum ParsedLine: Equatable, Sendable {
    /// Nothing but spaces: no response.
    case empty
    case request(Request)
    case error(RequestError)
}
