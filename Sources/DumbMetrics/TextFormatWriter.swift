import Prometheus

/// Writes metric families in the text format, for the scrape-time collectors.
struct TextFormatWriter {
    var output: [UInt8] = []

    mutating func family(_ name: String, type: String, help: String) {
        output.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
    }

    mutating func sample(_ name: String, _ value: Double) {
        sample(name, [], value)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        output.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            output.append(contentsOf: "{".utf8)
            output.append(
                contentsOf: labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",").utf8)
            output.append(contentsOf: "}".utf8)
        }
        output.append(contentsOf: " ".utf8)
        output.append(contentsOf: format(value).utf8)
        output.append(contentsOf: "\n".utf8)
    }

    private func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
