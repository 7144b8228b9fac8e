import DumbTestSupport
import Foundation
import LabKit

/// A lab's README, read as the tests need it: its step headings, its fenced blocks, its links.
struct LabReadme {
    let path: String
    let text: String

    init(_ lab: Lab) throws {
        path = TestTools.repositoryRoot.appendingPathComponent("labs/\(lab.folder)/README.md").path
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    init(path: String) throws {
        self.path = path
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The titles of its `### Step N: TITLE` headings, in order.
    var stepTitles: [String] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("### Step "), let colon = line.firstIndex(of: ":") else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// Its fenced blocks: the info string and the text.
    var blocks: [(info: String, text: String)] {
        var found: [(String, String)] = []
        var current: (info: String, lines: [String])?
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if let open = current {
                    found.append((open.info, open.lines.joined(separator: "\n")))
                    current = nil
                } else {
                    current = (String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), [])
                }
            } else if current != nil {
                current?.lines.append(line)
            }
        }
        return found
    }

    /// The blocks marked `sh runnable`, with `./c10k_lab`, `./dumb_epoll`, … as names the
    /// PATH finds (the links `make c10k_lab` makes may not be there in a test's checkout).
    var runnableBlocks: [String] {
        blocks.filter { $0.info == "sh runnable" }.map { block in
            block.text.replacingOccurrences(
                of: #"\./(dumb_\w+|select_chat|epoll_chat|c10k_client|c10k_lab)\b"#, with: "$1",
                options: .regularExpression)
        }
    }

    /// Its relative link and image targets, without their `#anchors`.
    var relativeLinks: [String] {
        let pattern = try? NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let range = NSRange(text.startIndex..., in: text)
        return (pattern?.matches(in: text, range: range) ?? []).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }.filter {
            !$0.hasPrefix("http://") && !$0.hasPrefix("https://") && !$0.hasPrefix("#") && !$0.hasPrefix("mailto:")
        }
        .map { String($0.split(separator: "#").first ?? "") }
    }

    /// The text outside fenced blocks and outside the results block.
    var prose: String {
        var lines: [String] = []
        var inFence = false
        var inResults = false
        for line in text.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if line.contains("<!-- results:begin -->") { inResults = true }
            if !inFence && !inResults { lines.append(line) }
            if line.contains("<!-- results:end -->") { inResults = false }
        }
        return lines.joined(separator: "\n")
    }
}
