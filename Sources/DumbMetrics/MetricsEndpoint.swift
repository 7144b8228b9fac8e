import DumbSystem
import Glibc

/// `GET /metrics` over HTTP/1.x, on its own port and its own thread, so a server that is
/// blocked (the iterative one inside a WAIT) or saturated can still be scraped.
///
/// It answers one request per connection and closes (`Connection: close`): a Prometheus
/// scrape every few seconds needs no more. Anything but `GET /metrics` gets 404; a request
/// head over 8 KiB gets 431; a client that sends nothing for 5 s is dropped.
public final class MetricsEndpoint: Sendable {
    public static let maxRequestHeadBytes = 8 * 1024
    public static let readTimeoutSeconds = 5
    /// How long the endpoint waits out of descriptors before it accepts again: a scrape can
    /// wait a little in the backlog, and the server's connections have the reserve.
    static let outOfDescriptorsRetryMilliseconds: UInt64 = 50

    public let listener: Listener
    private let exporter: MetricsExporter

    /// Binds the endpoint now (before the server drops its capabilities); ``start()`` serves.
    public init(host: String, port: Int, exporter: MetricsExporter) throws {
        self.listener = try Socket.listen(host: host, port: port, backlog: 64)
        self.exporter = exporter
    }

    /// Starts the endpoint's thread.
    public func start() throws {
        try Threads.start(stackSize: 512 * 1024) { [self] in serve() }
    }

    private func serve() {
        while true {
            let connection: Int32
            do {
                connection = try Socket.acceptBlocking(listener.descriptor)
            } catch let error as SystemError where error.errno == EMFILE || error.errno == ENFILE {
                // out of descriptors: the scrape waits in the backlog; try again shortly
                try? SystemClock.sleep(milliseconds: Self.outOfDescriptorsRetryMilliseconds)
                continue
            } catch {
                return  // the listener was shut down
            }
            answer(connection)
            Socket.close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: Self.readTimeoutSeconds, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while !Self.headIsComplete(head) {
            guard head.count < Self.maxRequestHeadBytes else {
                respond(
                    connection, status: "431 Request Header Fields Too Large",
                    body: Array("request head over 8 KiB\n".utf8))
                return
            }
            let count = chunk.withUnsafeMutableBytes { buffer in
                (try? Socket.read(connection, into: buffer)).flatMap { result -> Int? in
                    if case .done(let count) = result { return count }
                    return nil
                } ?? 0
            }
            guard count > 0 else { return }  // closed, reset or timed out
            head.append(contentsOf: chunk[0..<count])
        }
        let requestLine = head.prefix(while: { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") })
        let parts = requestLine.split(separator: UInt8(ascii: " "))
        let target = parts.count >= 2 ? String(decoding: parts[1], as: UTF8.self) : ""
        let path =
            target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard parts.count == 3, parts[0].elementsEqual("GET".utf8), path == "/metrics" else {
            respond(connection, status: "404 Not Found", body: Array("only GET /metrics is served here\n".utf8))
            return
        }
        respond(
            connection, status: "200 OK", body: exporter.render(),
            contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    private static func headIsComplete(_ head: [UInt8]) -> Bool {
        // the blank line that ends an HTTP request head (CRLF, or bare LF from a lenient client)
        var index = 0
        while index < head.count {
            if head[index] == UInt8(ascii: "\n") {
                if index + 1 < head.count && head[index + 1] == UInt8(ascii: "\n") { return true }
                if index + 2 < head.count && head[index + 1] == UInt8(ascii: "\r")
                    && head[index + 2] == UInt8(ascii: "\n")
                {
                    return true
                }
            }
            index += 1
        }
        return false
    }

    private func respond(
        _ connection: Int32, status: String, body: [UInt8], contentType: String = "text/plain; charset=utf-8"
    ) {
        let header =
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var response = Array(header.utf8)
        response.append(contentsOf: body)
        response.withUnsafeBytes { try? Socket.writeAll(connection, $0) }
        Socket.shutdownWrite(connection)
    }
}
