/// The fuzzer's bytes, turned into decisions: the first eight seed a generator that cuts the
/// rest into chunks and picks write sizes, so one input replays the same run every time.
public struct FuzzInput {
    public let seed: UInt64
    /// The bytes after the seed: what the peer sends.
    public let payload: [UInt8]
    private var state: UInt64

    public init(_ bytes: UnsafeRawBufferPointer) {
        var seed: UInt64 = 0
        for byte in bytes.prefix(8) { seed = seed << 8 | UInt64(byte) }
        self.seed = seed
        self.state = seed
        self.payload = Array(bytes.dropFirst(8))
    }

    /// The next pseudo-random number (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `1...maximum`, small ones far more often: most reads and writes in the
    /// wild are whole, the rare split ones find the bugs.
    public mutating func size(upTo maximum: Int) -> Int {
        precondition(maximum >= 1)
        let roll = next()
        switch roll % 4 {
        case 0: return 1 + Int((roll >> 8) % UInt64(min(maximum, 8)))
        case 1: return maximum
        default: return 1 + Int((roll >> 8) % UInt64(maximum))
        }
    }
}

/// What a fuzz target found: the input breaks a property, said in words.
public struct FuzzFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Where two sequences first differ: the index of the first unequal element, or the shorter
/// one's length when one begins with the other.
func firstDifference<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
    var index = 0
    while index < a.count && index < b.count && a[index] == b[index] { index += 1 }
    return index
}
