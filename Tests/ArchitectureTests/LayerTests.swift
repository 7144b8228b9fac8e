import DumbTestSupport
import Foundation
import Testing

/// docs/architecture.md's table of layers, held against the manifest and every `import`.
@Suite("the layers of docs/architecture.md", .serialized)
struct LayerTests {
    /// One target of the manifest, with what it names and what its files import.
    struct Target {
        let name: String
        let isTest: Bool
        let dependencies: Set<String>
        let imports: [(module: String, file: String)]
    }

    /// One row of the table.
    struct Layer {
        let name: String
        let targets: [String]
        /// Module names, and the rows' words ("a command", "a lesson", …) as they are written.
        let forbidden: [String]
    }

    /// Modules of the toolchain: allowed wherever a layer does not forbid them.
    static let toolchain: Set<String> = [
        "Glibc", "Darwin", "Foundation", "Synchronization", "Dispatch", "Testing", "XCTest",
    ]

    static let manifest: [Target] = (try? loadManifest()) ?? []
    static let layers: [Layer] = (try? loadLayers()) ?? []

    @Test func theManifestAndTheTableAreRead() throws {
        #expect(Self.manifest.count > 20, "swift package dump-package gave \(Self.manifest.count) targets")
        #expect(Self.layers.map(\.name) == ["commands", "lessons", "kits", "shared", "core", "tests"])
    }

    @Test("every target of the manifest is in one layer")
    func everyTargetHasALayer() throws {
        try #require(!Self.manifest.isEmpty && !Self.layers.isEmpty, "the manifest or the table could not be read")
        for target in Self.manifest {
            let rows = Self.layers.filter { Self.members(of: $0).contains(target.name) }
            #expect(rows.count == 1, "\(target.name) is in \(rows.map(\.name)) of docs/architecture.md")
        }
    }

    @Test("a target imports only what its manifest line names")
    func importsAreDeclared() throws {
        try #require(!Self.manifest.isEmpty && !Self.layers.isEmpty, "the manifest or the table could not be read")
        for target in Self.manifest {
            for (module, file) in target.imports
            where module != target.name && !Self.toolchain.contains(module) && !target.dependencies.contains(module) {
                Issue.record(
                    "\(file) imports \(module), which \(target.name)'s line in Package.swift does not name: add it to its dependencies"
                )
            }
        }
    }

    @Test("no target imports or depends on what its layer must never import")
    func forbiddenImports() throws {
        try #require(!Self.manifest.isEmpty && !Self.layers.isEmpty, "the manifest or the table could not be read")
        for layer in Self.layers {
            for name in Self.members(of: layer) {
                guard let target = Self.manifest.first(where: { $0.name == name }) else { continue }
                let forbidden = Self.forbiddenModules(of: layer, for: name)
                for (module, file) in target.imports where forbidden.contains(module) {
                    Issue.record("\(file) imports \(module): the \(layer.name) layer must never import it")
                }
                // test targets depend on the commands to have them built; they run them, never import them
                guard !target.isTest else { continue }
                for dependency in target.dependencies where forbidden.contains(dependency) {
                    Issue.record("\(name) depends on \(dependency) in Package.swift: the \(layer.name) layer must not")
                }
            }
        }
    }

    @Test("no target swift build builds imports a test framework (the image builds them all)")
    func onlyTestTargetsImportTesting() throws {
        try #require(!Self.manifest.isEmpty, "the manifest could not be read")
        for target in Self.manifest where !target.isTest {
            for (module, file) in target.imports where module == "Testing" || module == "XCTest" {
                Issue.record(
                    "\(file) imports \(module), but \(target.name) is no test target: `swift build -c release --static-swift-stdlib` (the Dockerfile) has no \(module) to link"
                )
            }
        }
    }

    @Test("the module graph: every target a node, every arrow between targets a dependency the manifest names")
    func theGraphIsTheManifest() throws {
        try #require(!Self.manifest.isEmpty && !Self.layers.isEmpty, "the manifest or the table could not be read")
        let (modules, edges) = try Self.loadGraph()
        let tests = Set(Self.layers.first { $0.name == "tests" }.map(Self.members(of:)) ?? [])
        for target in Self.manifest where !target.isTest && !tests.contains(target.name) {
            #expect(modules.values.contains(target.name), "\(target.name) is not in docs/architecture.md's graph")
        }
        for (from, to) in edges {
            guard let source = modules[from], let destination = modules[to] else { continue }  // an outside package
            let dependencies = Self.manifest.first { $0.name == source }?.dependencies ?? []
            #expect(
                dependencies.contains(destination),
                "the graph draws \(source) --> \(destination), which \(source)'s line in Package.swift does not name")
        }
    }

    @Test("the check has teeth: a forbidden import is found")
    func aForbiddenImportIsFound() throws {
        let core = try #require(Self.layers.first { $0.name == "core" })
        #expect(Self.forbiddenModules(of: core, for: "DumbProtocol").isSuperset(of: ["DumbServerKit", "dumb_epoll"]))
        let lessons = try #require(Self.layers.first { $0.name == "lessons" })
        #expect(Self.forbiddenModules(of: lessons, for: "DumbEpollLoop").contains("LoadGenerator"))
        let kits = try #require(Self.layers.first { $0.name == "kits" })
        #expect(Self.forbiddenModules(of: kits, for: "LoadGenerator").contains("DumbServerKit"))
        #expect(!Self.forbiddenModules(of: kits, for: "LoadGenerator").contains("LoadGenerator"))
    }

    // MARK: Reading

    /// The targets a row stands for: its names, and every test target for the tests row.
    static func members(of layer: Layer) -> [String] {
        layer.name == "tests" ? layer.targets + manifest.filter(\.isTest).map(\.name) : layer.targets
    }

    /// What `target` of `layer` must never import: the row's modules, with its words turned
    /// into the targets they stand for.
    static func forbiddenModules(of layer: Layer, for target: String) -> Set<String> {
        let rows = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0) })
        var modules = Set<String>()
        for entry in layer.forbidden {
            switch entry {
            case "a command", "another command": modules.formUnion(rows["commands"]?.targets ?? [])
            case "a lesson": modules.formUnion(rows["lessons"]?.targets ?? [])
            case "a kit": modules.formUnion(rows["kits"]?.targets ?? [])
            case "a shared layer": modules.formUnion(rows["shared"]?.targets ?? [])
            case "each other": modules.formUnion(layer.targets)
            default: modules.insert(entry)
            }
        }
        modules.remove(target)
        return modules
    }

    /// The table under "## The layers, top to bottom".
    static func loadLayers() throws -> [Layer] {
        let document = try String(
            contentsOf: TestTools.repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        guard let section = document.components(separatedBy: "## The layers, top to bottom").dropFirst().first else {
            throw TestFailure("docs/architecture.md has no section '## The layers, top to bottom'")
        }
        let rows = section.split(separator: "\n").filter {
            $0.hasPrefix("| ") && !$0.hasPrefix("| layer") && !$0.hasPrefix("| ---")
        }
        return rows.map { row in
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            return Layer(
                name: cells[1], targets: backticked(cells[2]),
                forbidden: backticked(cells[4])
                    + ["a command", "another command", "a lesson", "a kit", "a shared layer", "each other"]
                    .filter { cells[4].contains($0) })
        }
    }

    /// The Mermaid graph under "## The module graph": each node's module (`id[Module<br/>folder]`,
    /// or a bare `Module`; `id[(package)]` is outside the project) and each arrow.
    static func loadGraph() throws -> (modules: [String: String], edges: [(String, String)]) {
        let document = try String(
            contentsOf: TestTools.repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        guard let section = document.components(separatedBy: "## The module graph").dropFirst().first,
            let graph = section.components(separatedBy: "```mermaid").dropFirst().first?.components(separatedBy: "```")
                .first
        else { throw TestFailure("docs/architecture.md has no mermaid block under '## The module graph'") }
        var modules: [String: String] = [:]
        var outside = Set<String>()
        var edges: [(String, String)] = []
        func node(_ text: Substring) -> String {
            let text = text.trimmingCharacters(in: .whitespaces)
            guard let open = text.firstIndex(of: "[") else {
                if !outside.contains(text) && modules[text] == nil { modules[text] = text }
                return text
            }
            let id = String(text[..<open])
            let label = text[text.index(after: open)...].dropLast()
            if label.hasPrefix("(") {
                outside.insert(id)
                modules[id] = nil
            } else {
                modules[id] = String(label.components(separatedBy: "<br/>")[0])
            }
            return id
        }
        for line in graph.split(separator: "\n") {
            let words = line.trimmingCharacters(in: .whitespaces)
            if words.isEmpty || words == "end" || words.hasPrefix("subgraph ") || words.hasPrefix("graph ") { continue }
            let sides = words.components(separatedBy: " --> ")
            let ids = sides.map { node(Substring($0)) }
            if ids.count == 2 { edges.append((ids[0], ids[1])) }
        }
        return (modules, edges)
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element)
        }
    }

    /// `swift package dump-package` (`--ignore-lock`: `swift test` holds the build folder's
    /// lock, and reading the manifest writes nothing), and the imports of each target's files.
    static func loadManifest() throws -> [Target] {
        let root = TestTools.repositoryRoot
        let dump = try runShell("cd '\(root.path)' && swift package --ignore-lock dump-package 2>/dev/null")
        guard dump.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any],
            let targets = json["targets"] as? [[String: Any]]
        else { throw TestFailure("swift package dump-package failed: \(dump.output.prefix(500))") }
        return targets.compactMap { target -> Target? in
            guard let name = target["name"] as? String, let type = target["type"] as? String, type != "system" else {
                return nil
            }
            let isTest = type == "test"
            let folder = (target["path"] as? String) ?? (isTest ? "Tests/\(name)" : "Sources/\(name)")
            let excluded = ((target["exclude"] as? [String]) ?? []).map { "\(folder)/\($0)" }
            let dependencies = ((target["dependencies"] as? [[String: Any]]) ?? []).compactMap {
                dependency -> String? in
                if let byName = dependency["byName"] as? [Any] { return byName.first as? String }
                if let target = dependency["target"] as? [Any] { return target.first as? String }
                if let product = dependency["product"] as? [Any] { return product.first as? String }
                return nil
            }
            return Target(
                name: name, isTest: isTest, dependencies: Set(dependencies),
                imports: imports(in: root.appendingPathComponent(folder), root: root, excluding: excluded))
        }
    }

    static func imports(in folder: URL, root: URL, excluding excluded: [String]) -> [(module: String, file: String)] {
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var found: [(String, String)] = []
        for case let file as URL in files where file.pathExtension == "swift" || file.pathExtension == "c" {
            let relative = String(file.path.dropFirst(root.path.count + 1))
            guard !excluded.contains(where: { relative.hasPrefix($0 + "/") }), file.pathExtension == "swift",
                let text = try? String(contentsOf: file, encoding: .utf8)
            else { continue }
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter {
                    !$0.hasPrefix("@") && $0 != "public" && $0 != "internal"
                }
                if words.count >= 2, words[0] == "import" { found.append((String(words[1]), relative)) }
            }
        }
        return found
    }
}
