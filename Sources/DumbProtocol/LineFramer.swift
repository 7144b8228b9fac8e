/// Splits a byte stream into request lines, however the bytes were fragmented on the way.
///
/// Bytes go in with ``append(_:)`` as they arrive; complete lines come out of ``nextLine()``
/// one at a time, so pipelined requests are served in order. A `\r` right before the `\n`
/// is dropped (CRLF clients work). A line longer than ``maxLineLength`` is reported as
/// ``Event/lineTooLong`` as soon as that is certain, without waiting for its `\n`: a client
/// that never sends one cannot make the framer hold more than the limit.
///
/// The framer only grows by what the caller appends. A server that reads more only when
/// ``nextLine()`` returned `nil` keeps it under `maxLineLength` plus one read.
public struct LineFramer: Sendable {
    /// The protocol's limit: 4096 bytes before the `\n` (a `\r` before it is not counted).
    public static let defaultMaxLineLength = 4096

    public enum Event: Equatable, Sendable {
        /// One line without its `\n` (and without a `\r` right before it).
        case line(ArraySlice<UInt8>)
        /// The line being received is longer than the limit; the connection should be closed.
        case lineTooLong
    }

    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    /// The first byte not handed out yet.
    private var start = 0
    /// Bytes from `start` already searched for a `\n` without finding one.
    private var scanned = 0
    private var tooLong = false

    public init(maxLineLength: Int = LineFramer.defaultMaxLineLength) {
        precondition(maxLineLength > 0, "maxLineLength must be positive")
        self.maxLineLength = maxLineLength
    }

    /// Bytes received and not yet handed out as lines.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds bytes as they came off the socket.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, !tooLong else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes as they came off the socket.
    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        guard !tooLong else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The peer will send nothing more: bytes after its last `\n` are discarded.
    public mutating func finishInput() {
        guard !tooLong else { return }
        if let newline = firstNewline() {
            // keep the complete lines, drop what follows the last one
            var last = newline
            var index = newline + 1
            while index < buffer.count {
                if buffer[index] == UInt8(ascii: "\n") { last = index }
                index += 1
            }
            buffer.removeSubrange((last + 1)...)
        } else {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        }
    }

    /// The next complete line, ``Event/lineTooLong``, or `nil` when more bytes are needed.
    public mutating func nextLine() -> Event? {
        if tooLong { return .lineTooLong }
        guard let newline = firstNewline() else {
            let pending = buffer.count - start
            // One byte over the limit may still be the `\r` of a CRLF: wait for the next byte.
            let mayBeCarriageReturn =
                pending == maxLineLength + 1 && buffer[buffer.count - 1] == UInt8(ascii: "\r")
            if pending > maxLineLength && !mayBeCarriageReturn {
                return poison()
            }
            return nil
        }
        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end - start > maxLineLength { return poison() }
        let line = buffer[start..<end]
        start = newline + 1
        scanned = 0
        return .line(line)
    }

    private mutating func poison() -> Event {
        tooLong = true
        buffer = []
        start = 0
        scanned = 0
        return .lineTooLong
    }

    private mutating func firstNewline() -> Int? {
        let from = start + scanned
        let found = buffer.withUnsafeBufferPointer { bytes in
            bytes[from..<bytes.count].firstIndex(of: UInt8(ascii: "\n"))
        }
        if found == nil { scanned = buffer.count - start }
        return found
    }

    /// Drops the bytes already handed out, so the buffer does not grow with the stream.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }
}
