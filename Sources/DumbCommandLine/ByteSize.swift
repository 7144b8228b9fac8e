import DumbSystem

/// Sizes written as `65536`, `64k`, `8m` or `1g` (powers of 1024).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: " ")
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = lower.last, let multiplier = multipliers[last] {
            let digits = lower.dropLast().trimmingCharacters(in: " ")
            guard let value = Int(digits), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard let value = Int(lower), value >= 0 else { return nil }
        return value
    }

    /// `8 MiB`, `256 KiB`, `100 B`.
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}
