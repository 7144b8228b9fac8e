import DumbTestSupport
import Foundation
import LabKit
import Testing

/// The files of `labs/`: a README and a compose file per lab, in the course's order, whose
/// steps are the checks' steps, whose links resolve, and whose figures come from labs/results.
@Suite("labs/: the ten labs' files")
struct LabFilesTests {
    let labs = TestTools.repositoryRoot.appendingPathComponent("labs").path

    @Test("a folder per lab, with a README and a compose file, in the course's order")
    func folders() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: labs).filter { $0.first?.isNumber == true }
            .sorted()
        #expect(folders == LabCatalog.labs.map(\.folder))
        for lab in LabCatalog.labs {
            for file in ["README.md", "compose.yaml"] {
                #expect(
                    FileManager.default.fileExists(atPath: "\(labs)/\(lab.folder)/\(file)"), "\(lab.folder)/\(file)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: labs + "/README.md"))
    }

    @Test("each README's steps are the checks' steps, in order", arguments: LabCatalog.labs.map(\.id))
    func steps(id: String) throws {
        let lab = try #require(LabCatalog.lab(id))
        let readme = try LabReadme(lab)
        #expect(readme.stepTitles == lab.steps.map(\.title), "labs/\(lab.folder)/README.md")
        #expect(readme.text.contains("./c10k_lab check \(lab.id)"))
        #expect(readme.text.contains("./c10k_lab reset \(lab.id)"))
        #expect(readme.text.hasPrefix("# Lab \(lab.id): \(lab.title)"))
    }

    @Test("every link and image path in labs/ resolves")
    func links() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: labs).filter { $0.hasSuffix(".md") }
        #expect(files.count >= 11)
        for file in files {
            let readme = try LabReadme(path: labs + "/" + file)
            let folder = (labs + "/" + file as NSString).deletingLastPathComponent
            for link in readme.relativeLinks {
                let target = (folder as NSString).appendingPathComponent(link)
                #expect(
                    FileManager.default.fileExists(atPath: target),
                    "labs/\(file) links to \(link), which does not exist")
            }
        }
    }

    @Test("the figures in the READMEs are what labs/results says (scripts/lab-results.py --check)")
    func resultsBlocks() throws {
        let check = try runShell("cd '\(TestTools.repositoryRoot.path)' && python3 scripts/lab-results.py --check")
        #expect(check.status == 0, "\(check.output)")
    }

    @Test("no measured figure stands outside the results blocks", arguments: LabCatalog.labs.map(\.id))
    func noLooseFigures(id: String) throws {
        let readme = try LabReadme(try #require(LabCatalog.lab(id)))
        // a figure with the unit of a measurement (the inputs — WAIT 3000, 64m, 10,000 clients — have none of these)
        let measured = try NSRegularExpression(
            pattern:
                #"\b\d[\d,.]*\s?(req/s|µs|ms\b|KiB|MiB|bytes? per|B per|B each|% sys|%\s+in the kernel|threads per)"#)
        let prose = readme.prose
        let matches = measured.matches(in: prose, range: NSRange(prose.startIndex..., in: prose)).compactMap {
            Range($0.range, in: prose).map { String(prose[$0]) }
        }
        // inputs: limits, stack sizes, think times, WAITs
        let inputs: Set<String> = [
            "64 MiB", "256 MiB", "8 MiB", "1 GiB", "64 KiB", "100 ms", "3000 ms", "5000 ms", "2 KiB", "45 KB", "8 KB",
        ]
        #expect(
            matches.filter { !inputs.contains($0) }.isEmpty, "labs/\(id): figures outside the results block: \(matches)"
        )
    }

    @Test(
        "docker compose config is valid for every lab", .enabled(if: TestTools.has("docker")),
        arguments: LabCatalog.labs.map(\.folder))
    func compose(folder: String) throws {
        let config = try runShell(
            "cd '\(labs)/\(folder)' && docker compose config --quiet && docker compose config --services")
        #expect(config.status == 0, "\(config.output)")
        for service in ["server", "prometheus", "node-exporter", "grafana"] {
            #expect(config.output.split(separator: "\n").contains(Substring(service)), "\(folder): \(config.output)")
        }
        // every service a README's docker compose command names is one of this lab's, and one it
        // runs when the command stops, restarts or reads it: started by default or named by an
        // `up` or a `run` before (which start a service whatever its profile)
        let every = try runShell("cd '\(labs)/\(folder)' && docker compose --profile '*' config --services")
        let services = Set(every.output.split(separator: "\n").map(String.init))
        var running = Set(config.output.split(separator: "\n").map(String.init))
        let readme = try String(contentsOfFile: "\(labs)/\(folder)/README.md", encoding: .utf8)
        for (verb, named) in Self.composeServices(in: readme) {
            #expect(
                services.contains(named), "\(folder)/README.md names service \(named); the lab has \(services.sorted())"
            )
            if verb == "up" || verb == "run" {
                running.insert(named)
            } else {
                #expect(
                    running.contains(named),
                    "\(folder)/README.md: docker compose \(verb) \(named), which the lab has not started (it runs \(running.sorted()))"
                )
            }
        }
    }

    /// The services named by the `docker compose` commands in `text`, in order, with the verb:
    /// after stop, start, restart, logs, kill, rm and up, every name up to the end of the
    /// command; after run and exec, the first.
    static func composeServices(in text: String) -> [(verb: String, service: String)] {
        var names: [(String, String)] = []
        for line in text.split(separator: "\n") {
            for command in line.components(separatedBy: "docker compose ").dropFirst() {
                var words = command.split(separator: " ").map(String.init)[...]
                while let word = words.first, word.hasPrefix("-") {  // --profile X, -f X
                    words.removeFirst()
                    if ["--profile", "-f", "--file", "-p"].contains(word) { words = words.dropFirst() }
                }
                guard let verb = words.popFirst() else { continue }
                let arguments = words.prefix { !["&&", "||", ";", "|", ")", "#"].contains($0) }
                    .filter { !$0.hasPrefix("-") }
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ")`;")) }
                switch verb {
                case "stop", "start", "restart", "logs", "kill", "rm", "up": names += arguments.map { (verb, $0) }
                case "run", "exec": names += arguments.prefix(1).map { (verb, $0) }
                default: break
                }
            }
        }
        return names
    }

    /// What a browser would do with the plots, short of a browser: librsvg, the renderer of
    /// GNOME's image viewer, parses each one and draws it.
    @Test("every plot in labs/results renders (rsvg-convert)", .enabled(if: TestTools.has("rsvg-convert")))
    func plotsRender() throws {
        let results = TestTools.repositoryRoot.appendingPathComponent("labs/results").path
        let files = try #require(FileManager.default.enumerator(atPath: results)).compactMap { $0 as? String }
        let plots = files.filter { $0.hasSuffix(".svg") }
        #expect(plots.count >= 20, "\(plots)")
        let png = NSTemporaryDirectory() + "c10k-lab-plot-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: png) }
        for plot in plots {
            let render = try runShell("rsvg-convert --format png -o '\(png)' '\(results)/\(plot)'")
            let header = (FileManager.default.contents(atPath: png) ?? Data()).prefix(8)
            #expect(
                render.status == 0 && header == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
                "labs/results/\(plot) does not render: \(render.output)")
            try? FileManager.default.removeItem(atPath: png)
        }
    }

    @Test("the markdown passes the linter (pymarkdown)", .enabled(if: TestTools.has("pymarkdown")))
    func lint() throws {
        let root = TestTools.repositoryRoot.path
        let lint = try runShell("cd '\(root)' && pymarkdown --config .pymarkdown.json scan --recurse labs")
        #expect(lint.status == 0, "\(lint.output)")
    }
}
