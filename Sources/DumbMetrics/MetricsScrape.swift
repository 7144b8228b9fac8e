import DumbSystem
import Foundation
import Glibc

/// A Prometheus text exposition as Prometheus reads it, one value per series: what the lab's
/// servers and c10k_client serve on `/metrics`, read by the lab tool and the tests.
public struct MetricsScrape: Sendable {
    /// Each series' value, by its name with labels as written (`dumb_requests_total{command="PING"}`).
    public let values: [String: Double]

    public init(text: String) {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            values[String(line[..<space])] = value
        }
        self.values = values
    }

    public subscript(_ series: String) -> Double? { values[series] }

    /// The sum of every series of `name`, whatever its labels.
    public func total(_ name: String) -> Double {
        values.filter { $0.key == name || $0.key.hasPrefix(name + "{") }.values.reduce(0, +)
    }

    /// GET /metrics from 127.0.0.1:`port`; nil when nothing answers within `timeout` seconds.
    public static func fetch(port: Int, timeout: Int = 3) -> MetricsScrape? {
        guard let connection = try? Socket.connect(host: "127.0.0.1", port: port) else { return nil }
        defer { Socket.close(connection.descriptor) }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(connection.descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard (try? request.withUnsafeBytes({ try Socket.writeAll(connection.descriptor, $0) })) != nil else {
            return nil
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while response.count < 16 << 20 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(connection.descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            response.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let body = text.range(of: "\r\n\r\n") else { return nil }
        return MetricsScrape(text: String(text[body.upperBound...]))
    }
}
