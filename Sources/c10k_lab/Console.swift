import Foundation

/// Where c10k_lab speaks: notes and errors to stderr, results to stdout.
enum Console {
    /// Prints `error` the way every subcommand does, and exits 2.
    static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("c10k_lab: \(error)\n".utf8))
        Foundation.exit(2)
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("c10k_lab: \(text)\n".utf8))
    }
}
