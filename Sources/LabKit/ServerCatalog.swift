import DumbSystem
import Glibc

/// One of the lab's servers, by the names the labs use for it.
public struct ServerInfo: Sendable, Equatable {
    /// The binary (`dumb_epoll`).
    public let binary: String
    /// The compose service and profile (`epoll`).
    public let service: String
    /// It speaks DUMB (the chat servers do not): c10k_client can load it.
    public let speaksDumb: Bool
    /// Its model uses every CPU it is given (workers, reactor, coroutines, SwiftNIO).
    public let usesManyCPUs: Bool
}

/// The servers, and where their binaries are.
public enum ServerCatalog {
    public static let servers: [ServerInfo] = [
        ServerInfo(binary: "dumb_iterative", service: "iterative", speaksDumb: true, usesManyCPUs: false),
        ServerInfo(binary: "select_chat", service: "select-chat", speaksDumb: false, usesManyCPUs: false),
        ServerInfo(binary: "epoll_chat", service: "epoll-chat", speaksDumb: false, usesManyCPUs: false),
        ServerInfo(binary: "dumb_multithreaded", service: "multithreaded", speaksDumb: true, usesManyCPUs: false),
        ServerInfo(binary: "dumb_epoll", service: "epoll", speaksDumb: true, usesManyCPUs: false),
        ServerInfo(binary: "dumb_epoll_workers", service: "epoll-workers", speaksDumb: true, usesManyCPUs: true),
        ServerInfo(binary: "dumb_reactor", service: "reactor", speaksDumb: true, usesManyCPUs: true),
        ServerInfo(binary: "dumb_coro", service: "coro", speaksDumb: true, usesManyCPUs: true),
        ServerInfo(binary: "dumb_nio", service: "nio", speaksDumb: true, usesManyCPUs: true),
    ]

    /// The servers c10k_client can drive: every DUMB server.
    public static var dumbServers: [ServerInfo] { servers.filter(\.speaksDumb) }

    public static var binaryNames: [String] { servers.map(\.binary) + ["c10k_client"] }

    /// The server `name` names: its binary (`dumb_epoll`), its service (`epoll`), or either
    /// with `_` and `-` swapped (`epoll_workers`).
    public static func server(_ name: String) -> ServerInfo? {
        let name = name.lowercased().replacingUnderscores()
        return servers.first { $0.binary.replacingUnderscores() == name || $0.service == name }
    }

    /// The server `name` names, or a LabError listing the names there are.
    public static func dumbServer(_ name: String) throws -> ServerInfo {
        guard let server = server(name) else {
            throw LabError(
                "unknown server '\(name)': give one of \(dumbServers.map(\.service).joined(separator: ", ")) (or its binary, dumb_epoll)"
            )
        }
        guard server.speaksDumb else {
            throw LabError(
                "\(server.binary) serves the chat protocol, which c10k_client does not speak: give one of \(dumbServers.map(\.service).joined(separator: ", "))"
            )
        }
        return server
    }

    /// The folder of the running program (c10k_lab): the servers and the client are built
    /// next to it (`.build/release`, or `/usr/local/bin` in the image).
    public static var binaryFolder: String {
        var target = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &target, target.count - 1)
        guard length > 0 else { return "." }
        let path = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// Where `binary` is: next to this program, else on PATH; nil when neither.
    public static func path(of binary: String) -> String? {
        let beside = binaryFolder + "/" + binary
        if access(beside, X_OK) == 0 { return beside }
        return Spawn.findProgram(binary)
    }

    /// The path of `binary`, or a LabError that says how to build it.
    public static func requirePath(of binary: String) throws -> String {
        guard let path = path(of: binary) else {
            throw LabError("\(binary) is not built: run make \(binary) (or make all), then try again")
        }
        return path
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
