#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The answer to `STREAM <n>`, handed out a chunk at a time as the socket drains: payload byte
/// number i is `a` + (i mod 26), and after the payload comes `\nDONE\n`.
///
/// A server asks for the next chunk only when its output buffer has room, so a slow reader of
/// a terabyte costs it one buffer, never the payload.
public struct StreamPayload: Sendable {
    /// The bytes that follow the payload.
    public static let trailer: StaticString = "\nDONE\n"
    private static let trailerLength = 6

    /// Payload bytes requested (the trailer not counted).
    public let byteCount: UInt64
    /// Payload bytes handed out so far.
    public private(set) var payloadProduced: UInt64 = 0
    private var trailerProduced = 0

    public init(byteCount: UInt64) {
        self.byteCount = byteCount
    }

    /// Bytes still to hand out, trailer included.
    public var remaining: UInt64 {
        byteCount - payloadProduced + UInt64(Self.trailerLength - trailerProduced)
    }

    /// Whether everything, trailer included, was handed out.
    public var isFinished: Bool { trailerProduced == Self.trailerLength }

    /// The payload byte at `index`, as a client checks it.
    @inline(__always)
    public static func expectedByte(at index: UInt64) -> UInt8 {
        UInt8(ascii: "a") &+ UInt8(truncatingIfNeeded: index % 26)
    }

    /// Where `bytes`, received as payload bytes number `offset`, `offset + 1`, …, first differ
    /// from the pattern; nil when they all match. Compares a chunk at a time (memcmp), so a
    /// client checks every byte of a long STREAM at memory speed.
    public static func firstMismatch(in bytes: UnsafeRawBufferPointer, payloadOffset offset: UInt64) -> Int? {
        var checked = 0
        while checked < bytes.count {
            let phase = Int((offset &+ UInt64(checked)) % 26)
            let count = min(bytes.count - checked, Pattern.period)
            let equal = Pattern.bytes.withUnsafeBytes { pattern in
                memcmp(bytes.baseAddress! + checked, pattern.baseAddress! + phase, count) == 0
            }
            if !equal {
                for index in checked..<(checked + count)
                where bytes[index] != expectedByte(at: offset &+ UInt64(index)) {
                    return index
                }
            }
            checked += count
        }
        return nil
    }

    /// Writes the next bytes into `buffer`, at most its size; returns how many.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        while written < buffer.count && payloadProduced < byteCount {
            let phase = Int(payloadProduced % 26)
            let want = min(UInt64(buffer.count - written), byteCount - payloadProduced)
            let count = min(Int(want), Pattern.period)
            Pattern.bytes.withUnsafeBytes { pattern in
                UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + count)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: pattern[phase..<(phase + count)]))
            }
            written += count
            payloadProduced += UInt64(count)
        }
        if payloadProduced == byteCount {
            Self.trailer.withUTF8Buffer { trailer in
                while written < buffer.count && trailerProduced < Self.trailerLength {
                    buffer[written] = trailer[trailerProduced]
                    written += 1
                    trailerProduced += 1
                }
            }
        }
        return written
    }

    /// Appends at most `maxBytes` next bytes to `queue`; returns how many.
    @discardableResult
    public mutating func fill(_ queue: inout ByteQueue, maxBytes: Int) -> Int {
        let count = Int(min(UInt64(maxBytes), remaining))
        guard count > 0 else { return 0 }
        return queue.appendWritable(count) { fill($0) }
    }

    /// The payload pattern, long enough to copy a large chunk starting at any phase.
    private enum Pattern {
        static let period = 26 * 2520
        static let bytes: [UInt8] = (0..<(period + 26)).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    }
}
