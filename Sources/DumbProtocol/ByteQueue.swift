/// Bytes waiting to be written, oldest first: a connection's output buffer.
///
/// Appends go to the end, writes consume from the front, and the storage is reused rather
/// than reallocated, so a connection that streams gigabytes keeps one buffer.
public struct ByteQueue: Sendable {
    private var storage: [UInt8] = []
    private var head = 0

    public init() {}

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { head == storage.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        storage.append(contentsOf: bytes)
    }

    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        compactIfWorthIt()
        storage.append(contentsOf: bytes)
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `value` in decimal.
    public mutating func append(decimal value: UInt64) {
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes ≥ 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            var rest = value
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            append(UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// Lets `fill` write up to `capacity` bytes at the end; keeps what it says it wrote.
    @discardableResult
    public mutating func appendWritable(_ capacity: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        compactIfWorthIt()
        let oldCount = storage.count
        var written = 0
        storage.append(contentsOf: repeatElement(0, count: capacity))
        storage.withUnsafeMutableBytes { bytes in
            written = fill(UnsafeMutableRawBufferPointer(rebasing: bytes[oldCount..<(oldCount + capacity)]))
        }
        precondition(written >= 0 && written <= capacity, "fill wrote outside its buffer")
        storage.removeLast(capacity - written)
        return written
    }

    /// The bytes waiting, oldest first, for a write call.
    public func withReadableBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
    }

    /// Drops `count` bytes from the front once they were written.
    public mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= self.count, "consumed more than the queue holds")
        head += count
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Moves the unwritten bytes to the front when the written ones take most of the room.
    private mutating func compactIfWorthIt() {
        if head > 0 && head >= 16 * 1024 && head * 2 >= storage.count {
            storage.removeSubrange(0..<head)
            head = 0
        }
    }
}
