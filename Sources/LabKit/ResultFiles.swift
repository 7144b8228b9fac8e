import DumbSystem
import Glibc

/// Where an experiment writes: one folder of result files.
enum ResultFiles {
    /// Makes `folder` and the folders above it.
    static func makeFolder(_ folder: String) throws {
        var path = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            path += "/" + part
            guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
                throw LabError(
                    "cannot create the folder \(path) for the results: \(SystemError("mkdir", errno: errno)); give --out a writable folder"
                )
            }
        }
    }

    static func write(_ path: String, _ text: String) throws {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LabError("cannot write \(path): \(SystemError("open", errno: errno)); give --out a writable folder")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let closed = close(descriptor)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw LabError("cannot write \(path): \(SystemError("write", errno: errno))")
        }
    }
}
