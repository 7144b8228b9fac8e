import Foundation

/// Running a helper program (docker, gnuplot) and reading what it says.
enum Shell {
    /// The program's first line of output when it exits 0 within `timeout` seconds; nil
    /// otherwise (not installed, failing, hanging).
    static func output(_ command: [String], timeout: Double = 10) -> String? {
        guard let result = run(command, timeout: timeout), result.status == 0 else { return nil }
        let line = result.output.split(separator: "\n").first.map(String.init)
        return line?.isEmpty == false ? line : nil
    }

    /// Runs `command` (found on PATH), its standard output and error together; nil when it
    /// cannot start or does not finish within `timeout` seconds (it is killed then).
    static func run(_ command: [String], timeout: Double = 60, directory: String? = nil) -> (
        status: Int32, output: String
    )? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let reader = Output()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            reader.data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: reader.data, as: UTF8.self))
    }

    private final class Output: @unchecked Sendable {
        // written by the reading thread before it signals, read after the wait
        var data = Data()
    }
}
