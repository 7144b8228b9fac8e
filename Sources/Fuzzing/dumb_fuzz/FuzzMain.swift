// dumb_fuzz: the protocol core under libFuzzer, or the replay of a corpus.
//
// `make fuzz` builds it instrumented (address sanitizer and coverage, -DFUZZING) and links
// libFuzzer's driver without its main: SwiftPM's executables already have a main (it links
// them with `--defsym main=<module>_main`), so `-sanitize=fuzzer`, which brings libFuzzer's
// own main, does not link. The plain build replays inputs, and `make test` replays the
// committed corpus with it.
import CFuzzing
import DumbFuzzing
import Glibc

nonisolated(unsafe) var selected = FuzzTarget.framer

func usage() -> Never {
    let targets = FuzzTarget.allCases.map { "  \($0.rawValue.padding(8)) \($0.summary)" }.joined(separator: "\n")
    print(
        """
        USAGE: dumb_fuzz TARGET [libFuzzer flags] [CORPUS_DIR …]   (the fuzzing build: make fuzz)
               dumb_fuzz TARGET FILE|DIR …                          (any build: replays inputs)

        TARGETS:
        \(targets)

        EXAMPLES:
          make fuzz FUZZ_TARGETS=session FUZZ_SECONDS=600   # ten minutes on one target
          .build-fuzz/release/dumb_fuzz chat -max_total_time=60 Tests/Fuzz/corpus/chat
          .build/debug/dumb_fuzz session fuzz/findings/session-crash-1234abcd   # replay a finding
        """)
    exit(2)
}

/// Replays each file (or each file of each folder): exit 1 on the first input that breaks.
func replay(_ target: FuzzTarget, _ paths: [String]) -> Int32 {
    var files: [String] = []
    for path in paths {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if !name.hasPrefix(".") { files.append(path + "/" + name) }
            }
            closedir(directory)
        } else {
            files.append(path)
        }
    }
    var failed = 0
    for file in files.sorted() {
        guard let bytes = readFile(file) else {
            print("dumb_fuzz: cannot read \(file): give an input file or a corpus folder")
            return 2
        }
        if let failure = bytes.withUnsafeBytes({ target.failure($0) }) {
            print("\(file): \(failure)")
            failed += 1
        }
    }
    print("dumb_fuzz \(target.rawValue): \(files.count) inputs replayed, \(failed) broke a property")
    return failed == 0 ? 0 : 1
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer.prefix(count)
    }
    return ferror(file) == 0 ? bytes : nil
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

@main
struct DumbFuzz {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
            if arguments.count >= 2 && !["-h", "--help", "help"].contains(arguments[1]) {
                print("dumb_fuzz: no target \(arguments[1]): give one of \(FuzzTarget.allCases.map(\.rawValue))")
            }
            usage()
        }
        #if FUZZING
            selected = target
            // libFuzzer reads its flags from argv: hand it everything but the target's name
            var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map {
                strdup($0)
            }
            cArguments.append(nil)
            var count = Int32(cArguments.count - 1)
            let status = cArguments.withUnsafeMutableBufferPointer { buffer in
                var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
                return LLVMFuzzerRunDriver(&count, &argv) { data, size in
                    if let failure = selected.failure(UnsafeRawBufferPointer(start: data, count: size)) {
                        // a crash is what libFuzzer saves as a finding
                        fatalError("dumb_fuzz \(selected.rawValue): \(failure)")
                    }
                    return 0
                }
            }
            exit(status)
        #else
            guard arguments.count >= 3 else {
                print("dumb_fuzz: this build replays inputs: give files or folders (make fuzz builds the fuzzer)")
                exit(2)
            }
            exit(replay(target, Array(arguments.dropFirst(2))))
        #endif
    }
}
