import DumbProtocol
import DumbSystem
import Glibc

/// A deliberately broken DUMB server, in the test process: it answers PING and WAIT as it
/// should and gets one thing wrong, so the client must catch it and say which kind it was.
final class WrongServer: Sendable {
    enum Fault: Sendable, CustomStringConvertible {
        /// BURN gets `RESULT 12345`.
        case wrongResult
        /// STREAM n gets n/2 payload bytes, then the server closes.
        case shortStream
        /// STREAM n gets the payload with byte 100 changed, and the trailer.
        case wrongStreamByte
        /// The server reads the request and closes without an answer.
        case closesEarly
        /// The server reads the request and never answers.
        case silent
        /// The server answers one request right, then closes.
        case answersThenCloses

        var description: String {
            switch self {
            case .wrongResult: "wrong RESULT"
            case .shortStream: "short STREAM"
            case .wrongStreamByte: "wrong STREAM byte"
            case .closesEarly: "closes early"
            case .silent: "never answers"
            case .answersThenCloses: "answers once, then closes"
            }
        }
    }

    let listener: Listener
    let fault: Fault
    var port: Int { listener.port }

    init(_ fault: Fault) throws {
        self.fault = fault
        listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 128)
        let descriptor = listener.descriptor
        try Threads.start(stackSize: 256 * 1024) {
            while case .connection(let connection)? = try? Socket.accept(descriptor) {
                try? Threads.start(stackSize: 256 * 1024) { Self.serve(connection, fault) }
            }
        }
    }

    deinit {
        Socket.shutdownListener(listener.descriptor)
        Socket.close(listener.descriptor)
    }

    private static func serve(_ connection: Int32, _ fault: Fault) {
        defer { Socket.close(connection) }
        var framer = LineFramer()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            while let event = framer.nextLine() {
                guard case .line(let line) = event, case .request(let request) = RequestParser.parse(line) else {
                    return
                }
                guard answer(request, connection, fault) else { return }
            }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Sends the (wrong) answer; false when the connection should end.
    private static func answer(_ request: Request, _ connection: Int32, _ fault: Fault) -> Bool {
        func send(_ bytes: [UInt8]) -> Bool {
            (try? bytes.withUnsafeBytes { try Socket.writeAll(connection, $0) }) != nil
        }
        switch (request, fault) {
        case (_, .closesEarly):
            return false
        case (_, .silent):
            return true
        case (.ping, .answersThenCloses):
            _ = send(Array("PONG\n".utf8))
            return false
        case (.ping, _):
            return send(Array("PONG\n".utf8))
        case (.wait, _):
            return send(Array("DONE\n".utf8))
        case (.burn(let iterations), .wrongResult):
            _ = iterations
            return send(Array("RESULT 12345\n".utf8))
        case (.burn(let iterations), _):
            return send(Array("RESULT \(Burn.result(iterations: iterations))\n".utf8))
        case (.stream(let count), _):
            var payload = (0..<count).map { StreamPayload.expectedByte(at: $0) }
            switch fault {
            case .shortStream:
                _ = send(Array(payload[0..<(payload.count / 2)]))
                return false
            case .wrongStreamByte:
                if payload.count > 100 { payload[100] = UInt8(ascii: "#") }
                return send(payload + Array("\nDONE\n".utf8))
            default:
                return send(payload + Array("\nDONE\n".utf8))
            }
        }
    }
}
