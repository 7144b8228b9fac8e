/// Why a connection was refused: select() cannot watch its descriptor.
struct PastFDSetSize: Error, CustomStringConvertible {
    let descriptor: Int32
    var description: String { "refused descriptor \(descriptor): select() watches only those below FD_SETSIZE" }
}
