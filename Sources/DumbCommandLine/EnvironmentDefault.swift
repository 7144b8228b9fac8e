import ArgumentParser
import Glibc

/// Option defaults taken from the environment, so that a container sets options with
/// variables (`DUMB_PORT=9000`, `C10K_CLIENTS=5000`); the command line wins over them.
public enum EnvironmentDefault {
    /// The variable's value; nil when it is unset or empty.
    public static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// The variable as an integer; nil when unset or not a number (``checkIntegers(_:)``
    /// reports that).
    public static func integer(_ name: String) -> Int? {
        string(name).flatMap { Int($0) }
    }

    /// Throws a ValidationError naming the first variable that is set but not an integer.
    public static func checkIntegers(_ names: [String]) throws {
        for name in names {
            if let text = string(name), Int(text) == nil {
                throw ValidationError("\(name)=\(text) is not a whole number: fix or unset it.")
            }
        }
    }

    /// Throws a ValidationError naming the first variable that is set but not a size.
    public static func checkSizes(_ names: [String]) throws {
        for name in names {
            if let text = string(name), ByteSize.parse(text) == nil {
                throw ValidationError("\(name)=\(text) is not a size: write bytes or 64k, 8m, 1g; or unset it.")
            }
        }
    }
}
