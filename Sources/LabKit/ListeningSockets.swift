import DumbSystem
import Glibc

/// Who listens on which TCP port, from /proc/net/tcp and tcp6 and each process's descriptors.
enum ListeningSockets {
    /// The listeners on `ports`, with the process that holds each when it can be seen.
    static func holders(of ports: [Int]) -> [DoctorReport.PortHolder] {
        let wanted = Set(ports)
        var inodes: [String: Int] = [:]  // socket inode → port
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in (ProcFiles.read(table) ?? "").split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // sl local_address rem_address st … inode: LISTEN is 0A
                guard fields.count > 9, fields[3] == "0A",
                    let portText = fields[1].split(separator: ":").last, let port = Int(portText, radix: 16),
                    wanted.contains(port)
                else { continue }
                inodes[String(fields[9])] = port
            }
        }
        guard !inodes.isEmpty else { return [] }
        var holders: [Int: DoctorReport.PortHolder] = [:]
        for entry in ProcFiles.directoryEntries("/proc") ?? [] {
            guard let pid = Int32(entry), let descriptors = ProcFiles.directoryEntries("/proc/\(pid)/fd") else {
                continue
            }
            for descriptor in descriptors {
                var target = [CChar](repeating: 0, count: 64)
                let length = readlink("/proc/\(pid)/fd/\(descriptor)", &target, target.count - 1)
                guard length > 0 else { continue }
                let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard link.hasPrefix("socket:["), let port = inodes[String(link.dropFirst(8).dropLast())] else {
                    continue
                }
                let program = ProcFiles.read("/proc/\(pid)/comm")?.trimmingCharacters(in: "\n")
                holders[port] = DoctorReport.PortHolder(port: port, pid: pid, program: program)
            }
        }
        for port in Set(inodes.values) where holders[port] == nil {
            holders[port] = DoctorReport.PortHolder(port: port, pid: nil, program: nil)
        }
        return holders.values.sorted { $0.port < $1.port }
    }
}
