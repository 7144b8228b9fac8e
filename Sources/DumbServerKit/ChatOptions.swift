import ArgumentParser
import DumbCommandLine
import DumbProtocol

/// The options of the two chat servers, besides ``ServerOptions``.
public struct ChatOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("client-buffer"),
        help: ArgumentHelp(
            "Messages queued for one client beyond what its socket's send buffer holds (bytes, or 8k, 64k, 1m); a client that does not read and overflows both is disconnected. (env: DUMB_CLIENT_BUFFER)",
            valueName: "size"))
    public var clientBuffer: String = EnvironmentDefault.string("DUMB_CLIENT_BUFFER") ?? "64k"

    public init() {}

    public mutating func validate() throws {
        try EnvironmentDefault.checkSizes(["DUMB_CLIENT_BUFFER"])
        guard let bytes = ByteSize.parse(clientBuffer), bytes >= ChatRoom.minimumOutboxLimit else {
            throw ValidationError(
                "--client-buffer \(clientBuffer) is not a size of at least 8k (a relayed line may be 4 KiB): write bytes or 8k, 64k, 1m."
            )
        }
    }

    /// The outbox limit, in bytes.
    public var clientBufferBytes: Int { ByteSize.parse(clientBuffer) ?? ChatRoom.defaultOutboxLimit }
}
