import Glibc

/// Prints a run's progress to stderr: on a terminal one status line, rewritten every second;
/// otherwise (a pipe, a log file, a container) one plain line a second. Notes get lines of
/// their own.
public final class StatusPrinter: LoadProgress {
    private let descriptor: Int32
    private let isTerminal: Bool
    private let quiet: Bool
    private var lineShown = false

    /// - Parameter quiet: no status lines, only notes.
    public init(descriptor: Int32 = 2, quiet: Bool = false) {
        self.descriptor = descriptor
        self.isTerminal = isatty(descriptor) == 1
        self.quiet = quiet
    }

    public func status(_ report: StatusReport) {
        guard !quiet else { return }
        let line = Self.format(report)
        write(isTerminal ? "\r\(line)\u{1B}[K" : line + "\n")
        lineShown = isTerminal
    }

    public func note(_ text: String) {
        write((lineShown ? "\r\u{1B}[K" : "") + "c10k_client: \(text)\n")
        lineShown = false
    }

    /// Ends the status line before the summary.
    public func finish() {
        if lineShown { write("\n") }
        lineShown = false
    }

    /// `[   3s] connected 10000/10000 | 152,274 req/s | p50 0.412 ms  p99 2.1 ms | errors 0`
    public static func format(_ report: StatusReport) -> String {
        let seconds = String(Int(report.elapsedSeconds.rounded()))
        var line = "[\(String(repeating: " ", count: max(0, 4 - seconds.count)))\(seconds)s]"
        line += " connected \(report.connected)/\(report.clients)"
        line += " | \(LoadSummary.grouped(report.requestsPerSecond)) req/s"
        if let p50 = report.p50, let p99 = report.p99 {
            line += " | p50 \(LoadSummary.milliseconds(p50))  p99 \(LoadSummary.milliseconds(p99))"
        } else {
            line += " | no answers"
        }
        if report.backlog > 0 { line += " | \(LoadSummary.grouped(Double(report.backlog))) due, unsent" }
        let total = report.errors.total
        line += total == 0 ? " | errors 0" : " | errors \(total) (\(report.errors.description))"
        return line
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
