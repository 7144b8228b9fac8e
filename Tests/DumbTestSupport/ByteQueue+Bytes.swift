import DumbProtocol

extension ByteQueue {
    /// The bytes waiting, as an array.
    public var bytes: [UInt8] { withReadableBytes { Array($0) } }
}
