/// The protocol's deliberately dumb CPU work: a SplitMix64 walk whose outputs are xor-ed
/// together, in 64-bit arithmetic that wraps. No compiler can fold it away, and every server
/// must return the same number.
public struct Burn: Sendable {
    public let iterations: UInt64
    private var x: UInt64
    private var accumulator: UInt64 = 0
    /// Iterations still to run.
    public private(set) var remaining: UInt64

    public init(iterations: UInt64) {
        self.iterations = iterations
        self.x = iterations
        self.remaining = iterations
    }

    /// The answer to `BURN <iterations>`, computed in one go.
    public static func result(iterations: UInt64) -> UInt64 {
        var burn = Burn(iterations: iterations)
        burn.run(upTo: iterations)
        return burn.accumulator
    }

    public var isFinished: Bool { remaining == 0 }

    /// The result, once ``isFinished``.
    public var result: UInt64? { isFinished ? accumulator : nil }

    /// Runs at most `count` more iterations, so a long BURN can be done in slices with a
    /// yield in between (coroutines) or spread over time.
    public mutating func run(upTo count: UInt64) {
        let steps = min(count, remaining)
        var x = self.x
        var accumulator = self.accumulator
        for _ in 0..<steps {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            accumulator ^= z
        }
        self.x = x
        self.accumulator = accumulator
        remaining -= steps
    }
}
