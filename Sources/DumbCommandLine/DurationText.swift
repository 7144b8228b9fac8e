import DumbSystem

/// Durations as people write them on a command line: `15s`, `500ms`, `2m`, `1h`, `250us`,
/// or a plain number of seconds (`1.5`).
public enum DurationText {
    /// Nanoseconds, or nil when the text is not a duration (negative ones included).
    public static func parse(_ text: String) -> UInt64? {
        let text = text.trimmingCharacters(in: " ").lowercased()
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var number = Substring(text)
        var scale = 1e9
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
            value.isFinite, value >= 0, value * scale < 1e18
        else { return nil }
        return UInt64((value * scale).rounded())
    }

    /// The shortest exact form: `500ms`, `15s`, `2m`, `1h`, `250us`.
    public static func describe(_ nanoseconds: UInt64) -> String {
        if nanoseconds > 0 && nanoseconds % 1_000_000_000 == 0 {
            let seconds = nanoseconds / 1_000_000_000
            if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
            if seconds % 60 == 0 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1000 == 0 { return "\(nanoseconds / 1000)us" }
        return "\(nanoseconds)ns"
    }

    /// Seconds for people: `12.3 s`, `0.05 s`, `95 s`.
    public static func seconds(_ seconds: Double) -> String {
        if seconds >= 60 { return "\(Int(seconds.rounded())) s" }
        let decimals = seconds >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (seconds * scale).rounded() / scale
        return "\(rounded) s"
    }
}
