import ArgumentParser
import DumbCommandLine
import DumbSystem

/// The option values every subcommand reads the same way.
enum LabOptions {
    /// A size option: bytes, or 64k, 64m, 1g.
    static func size(_ text: String, _ option: String) throws -> Int {
        guard let bytes = ByteSize.parse(text), bytes > 0 else {
            throw ValidationError("\(option) '\(text)' is not a size: write bytes or 64k, 64m, 1g.")
        }
        return bytes
    }

    /// A CPU list option, checked against the CPUs this process may use.
    static func cpuList(_ text: String, _ option: String) throws -> [Int] {
        guard let cpus = CPUList.parse(text) else {
            throw ValidationError("\(option) '\(text)' is not a CPU list: write 0, 0-3 or 0,2 (as taskset -c does).")
        }
        let allowed = CPUAffinity.allowedCPUs()
        let missing = cpus.filter { !allowed.contains($0) }
        guard missing.isEmpty else {
            throw ValidationError(
                "\(option) \(text): CPU \(missing.map(String.init).joined(separator: ",")) is not one this process may use (\(CPUAffinity.listDescription(allowed)))."
            )
        }
        return cpus
    }

    /// The CPUs for the client: `given`, else the first this process may use that the server
    /// does not (the server's own when there is no other).
    static func clientCPUs(_ given: String?, server: [Int]) throws -> [Int] {
        if let given { return try cpuList(given, "--client-cpus") }
        let free = CPUAffinity.allowedCPUs().filter { !server.contains($0) }
        return free.isEmpty ? server : [free[0]]
    }

    /// The command line as typed, for result files.
    static var commandLine: String {
        (["c10k_lab"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(
            separator: " ")
    }
}
