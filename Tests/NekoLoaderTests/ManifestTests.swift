import FoundationEssentials
@_spi(Neko) import NekoCore
import Testing
@testable import NekoLoader

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Manifest: valid files

@Suite struct ManifestTests {
    @Test func minimalManifestHasTheDefaults() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello"))
        let loaded = try PluginManifest.load(folder: folder)
        #expect(loaded.id == "hello")
        #expect(loaded.name == "Hello")
        #expect(loaded.version == "1.0.0")
        #expect(loaded.description == "")
        #expect(loaded.abi == PluginManifest.ABIVersion(major: 1, minor: 0))
        #expect(loaded.library == "libhello.so")
        #expect(loaded.dependencies.isEmpty)
        #expect(loaded.author == PluginManifest.Author(name: nil, email: nil, url: nil))
        #expect(loaded.runtime.enabled && loaded.runtime.autoStart)
        #expect(loaded.runtime.startupTimeout == .seconds(10))
        #expect(loaded.runtime.startupFailure == .warn)
        #expect(loaded.runtime.priority == 0)
        #expect(loaded.config == PluginManifest.jsonObject([]))
        #expect(loaded.folder == folder)
        #expect(loaded.manifestPath == folder + "/plugin.toml")
        #expect(loaded.libraryPath == folder + "/libhello.so")
    }

    @Test func fullManifestAndConfigTablesAsJSON() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello", ["version": "\"2.0.0-beta.1+build.5\"", "abi": "\"1.0\""], plugin: """
            description = "Says hello"
            library = "custom.so"
            dependencies = ["base", "util"]
            [plugin.author]
            name = "Ada"
            email = "ada@example.com"
            url = "https://example.com"
            """, after: """
            [plugin_runtime]
            enabled = true
            auto_start = false
            timeout = 2.5
            startup_failure = "fail"
            priority = -3

            [zeta]
            text = "hi"
            count = 3
            ratio = 0.5
            on = false
            list = [1, "two", [3]]
            day = 2024-05-01
            at = 07:32:00
            local = 2024-05-01T07:32:00
            utc = 2024-05-01T07:32:00Z
            [zeta.inner]
            deep = true
            [[jobs]]
            name = "a"
            """), library: false)
        write(folder + "/custom.so", Data())
        let loaded = try PluginManifest.load(folder: folder)
        #expect(loaded.version == "2.0.0-beta.1+build.5")
        #expect(loaded.description == "Says hello")
        #expect(loaded.libraryPath == folder + "/custom.so")
        #expect(loaded.dependencies == ["base", "util"])
        #expect(loaded.author == PluginManifest.Author(name: "Ada", email: "ada@example.com", url: "https://example.com"))
        #expect(loaded.runtime == PluginManifest.Runtime(
            enabled: true, autoStart: false, startupTimeout: .milliseconds(2500), startupFailure: .fail, priority: -3))
        let object = PluginManifest.jsonObject
        // Keys come in alphabetical order: the TOML parser does not keep the file's order.
        let expected = object([
            ("jobs", .array([object([("name", .string("a"))])])),
            ("zeta", object([
                ("at", .string("07:32:00")),
                ("count", .int(3)),
                ("day", .string("2024-05-01")),
                ("inner", object([("deep", .bool(true))])),
                ("list", .array([.int(1), .string("two"), .array([.int(3)])])),
                ("local", .string("2024-05-01T07:32:00")),
                ("on", .bool(false)),
                ("ratio", .double(0.5)),
                ("text", .string("hi")),
                ("utc", .string("2024-05-01T07:32:00Z")),
            ])),
        ])
        #expect(loaded.config == expected)
        #expect(loaded.config.objectValue?.keys == ["jobs", "zeta"])
        #expect(loaded.config["zeta"]?.objectValue?.keys == ["at", "count", "day", "inner", "list", "local", "on", "ratio", "text", "utc"])
    }

    @Test func relativeFolderIsMadeAbsoluteAndStandardized() {
        #expect(Discovery.absolutePath("/a/./b/../c//d/") == "/a/c/d")
        #expect(Discovery.absolutePath("/..") == "/")
        let cwd = FileManager.default.currentDirectoryPath
        #expect(Discovery.absolutePath("x/y") == Discovery.absolutePath(cwd + "/x/y"))
    }

    @Test func abiDefaultsToTheHostMajorDotZero() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try PluginManifest.load(folder: sandbox.plugin("hello", toml: manifest("hello", ["abi": nil])))
        #expect(loaded.abi == PluginManifest.ABIVersion(major: PluginManifest.ABIVersion.host.major, minor: 0))
        #expect(loaded.warnings.isEmpty)
    }

    @Test func disabledPluginNeedsNoLibrary() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello", after: "[plugin_runtime]\nenabled = false"), library: false)
        #expect(try PluginManifest.load(folder: folder).runtime.enabled == false)
    }

    // MARK: - Manifest: each error

    /// A `plugin.toml` for the folder `hello` and what its error message must contain.
    struct BadManifest: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let toml: String
        let parts: [String]
        init(_ label: String, _ toml: String, _ parts: String...) {
            testDescription = label
            self.toml = toml
            self.parts = parts
        }
    }

    static let badManifests: [BadManifest] = [
        // The [plugin] table and its required fields.
        .init("no [plugin]", "[other]\nx = 1", "missing required table [plugin]"),
        .init("[plugin] not a table", "plugin = \"hello\"", "plugin = \"hello\": expected a table [plugin], found a string"),
        .init("missing id", manifest("hello", ["id": nil]), "missing required field [plugin].id (a string)"),
        .init("missing name", manifest("hello", ["name": nil]), "missing required field [plugin].name (a string)"),
        .init("missing version", manifest("hello", ["version": nil]), "missing required field [plugin].version (a string)"),
        // Wrong types.
        .init("id not a string", manifest("hello", ["id": "1"]), "[plugin].id = 1: expected a string, found an integer"),
        .init("name not a string", manifest("hello", ["name": "true"]), "[plugin].name = true: expected a string, found a boolean"),
        .init("version not a string", manifest("hello", ["version": "1.0"]), "[plugin].version = 1.0: expected a string, found a floating-point number"),
        .init("abi not a string", manifest("hello", ["abi": "1.0"]), "[plugin].abi = 1.0: expected a string like \"1.0\", found a floating-point number"),
        .init("description not a string", manifest("hello", plugin: "description = 5"), "[plugin].description = 5: expected a string, found an integer"),
        .init("library not a string", manifest("hello", plugin: "library = []"), "[plugin].library = []: expected a file name, found an array"),
        .init("dependencies not an array", manifest("hello", plugin: "dependencies = \"base\""), "[plugin].dependencies = \"base\": expected an array of plugin ids"),
        .init("dependency not a string", manifest("hello", plugin: "dependencies = [\"base\", 7]"), "[plugin].dependencies[1] = 7: expected a plugin id (a string), found an integer"),
        .init("author not a table", manifest("hello", plugin: "author = \"Ada\""), "[plugin].author = \"Ada\": expected a table, found a string"),
        .init("author name not a string", manifest("hello", after: "[plugin.author]\nname = 1"), "[plugin.author].name = 1: expected a string, found an integer"),
        .init("[plugin_runtime] not a table", "plugin_runtime = 1\n" + manifest("hello"), "plugin_runtime = 1: expected a table [plugin_runtime], found an integer"),
        .init("enabled not a boolean", manifest("hello", after: "[plugin_runtime]\nenabled = \"yes\""), "[plugin_runtime].enabled = \"yes\": expected a boolean (true or false), found a string"),
        .init("auto_start not a boolean", manifest("hello", after: "[plugin_runtime]\nauto_start = 1"), "[plugin_runtime].auto_start = 1: expected a boolean (true or false), found an integer"),
        .init("timeout not a number", manifest("hello", after: "[plugin_runtime]\ntimeout = \"10\""), "[plugin_runtime].timeout = \"10\": expected a number of seconds, eg 10, found a string"),
        .init("timeout zero", manifest("hello", after: "[plugin_runtime]\ntimeout = 0"), "[plugin_runtime].timeout = 0: expected a number of seconds greater than 0"),
        .init("timeout too long", manifest("hello", after: "[plugin_runtime]\ntimeout = inf"), "[plugin_runtime].timeout = inf: expected a number of seconds greater than 0 and at most 86400"),
        .init("startup_failure not a string", manifest("hello", after: "[plugin_runtime]\nstartup_failure = 1"), "[plugin_runtime].startup_failure = 1: expected a string, found an integer"),
        .init("startup_failure unknown", manifest("hello", after: "[plugin_runtime]\nstartup_failure = \"crash\""), "[plugin_runtime].startup_failure = \"crash\": expected \"warn\", \"fail\" or \"ignore\""),
        .init("priority not an integer", manifest("hello", after: "[plugin_runtime]\npriority = 1.5"), "[plugin_runtime].priority = 1.5: expected an integer, eg 0, found a floating-point number"),
        // The id.
        .init("id with a space", manifest("hello", ["id": "\"hel lo\""]), "[plugin].id = \"hel lo\": expected a plugin id: 1 to 128 of the characters A-Z a-z 0-9 _ -"),
        .init("id empty", manifest("hello", ["id": "\"\""]), "[plugin].id = \"\": expected a plugin id"),
        .init("id a path", manifest("hello", ["id": "\"../hello\""]), "[plugin].id = \"../hello\": expected a plugin id", "never a path"),
        .init("id with a slash", manifest("hello", ["id": "\"a/hello\""]), "[plugin].id = \"a/hello\": expected a plugin id"),
        .init("id too long", manifest("hello", ["id": "\"\(String(repeating: "a", count: 129))\""]), "expected a plugin id of at most 128 characters, found 129"),
        .init("id not the folder name", manifest("hello", ["id": "\"Hello\""]), "[plugin].id = \"Hello\" does not match the folder name \"hello\""),
        // The name, version and abi values.
        .init("name blank", manifest("hello", ["name": "\"  \""]), "[plugin].name = \"  \": expected a non-empty name"),
        .init("version 1.x", manifest("hello", ["version": "\"1.x\""]), "[plugin].version = \"1.x\": expected a semantic version like \"1.2.0\""),
        .init("version 1.2", manifest("hello", ["version": "\"1.2\""]), "[plugin].version = \"1.2\": expected a semantic version"),
        .init("version leading zero", manifest("hello", ["version": "\"01.2.3\""]), "[plugin].version = \"01.2.3\": expected a semantic version"),
        .init("version empty prerelease", manifest("hello", ["version": "\"1.2.3-\""]), "[plugin].version = \"1.2.3-\": expected a semantic version"),
        .init("version empty build", manifest("hello", ["version": "\"1.2.3+\""]), "[plugin].version = \"1.2.3+\": expected a semantic version"),
        .init("abi one number", manifest("hello", ["abi": "\"1\""]), "[plugin].abi = \"1\": expected \"MAJOR.MINOR\" like \"1.0\""),
        .init("abi three numbers", manifest("hello", ["abi": "\"1.0.0\""]), "[plugin].abi = \"1.0.0\": expected \"MAJOR.MINOR\""),
        .init("abi with a v", manifest("hello", ["abi": "\"v1.0\""]), "[plugin].abi = \"v1.0\": expected \"MAJOR.MINOR\""),
        .init("abi too big", manifest("hello", ["abi": "\"99999999999.0\""]), "[plugin].abi = \"99999999999.0\": expected \"MAJOR.MINOR\""),
        // The library.
        .init("library with a slash", manifest("hello", plugin: "library = \"../other/libhello.so\""), "[plugin].library = \"../other/libhello.so\": expected a plain file name inside the plugin folder"),
        .init("library in a subfolder", manifest("hello", plugin: "library = \"lib/libhello.so\""), "[plugin].library = \"lib/libhello.so\": expected a plain file name"),
        .init("library dot-dot", manifest("hello", plugin: "library = \"..\""), "[plugin].library = \"..\": expected a plain file name"),
        .init("library missing", manifest("hello", plugin: "library = \"libother.so\""), "/libother.so: library file not found (set [plugin].library or build the plugin)"),
        // Dependencies.
        .init("self-dependency", manifest("hello", plugin: "dependencies = [\"hello\"]"), "[plugin].dependencies[0] = \"hello\": a plugin cannot depend on itself"),
        .init("duplicate dependency", manifest("hello", plugin: "dependencies = [\"base\", \"base\"]"), "[plugin].dependencies[1] = \"base\": expected each plugin id once, found it twice"),
        .init("dependency a path", manifest("hello", plugin: "dependencies = [\"../base\"]"), "[plugin].dependencies[0] = \"../base\": expected a plugin id"),
        // Unknown keys and misplaced tables.
        .init("typo in a table name", manifest("hello", after: "[plugin_runtme]\nenabled = false"), "table [plugin_runtme]: did you mean [plugin_runtime]?"),
        .init("top-level runtime key", "enabled = false\n" + manifest("hello"), "top-level key enabled = false: expected a table", "did you mean [plugin_runtime].enabled?"),
        .init("config nan", manifest("hello", after: "[settings]\nx = nan"), "[settings].x = nan: expected a finite number (JSON has no nan or inf)"),
        // TOML itself.
        .init("TOML syntax error", "[plugin]\nid = \"hello\"\nname = \"Hello\n", "/plugins/hello/plugin.toml:3:14: TOML syntax error: Error while parsing string"),
        .init("TOML redefined key", "[plugin]\nid = \"hello\"\nid = \"again\"\n", "plugin.toml:3:6: TOML syntax error:", "cannot redefine existing string 'id'"),
    ]

    @Test(arguments: badManifests)
    func badManifestNamesFileFieldAndExpectation(_ bad: BadManifest) {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: bad.toml)
        expectFailure(folder, [folder + "/"] + bad.parts)
    }

    @Test func idOfMaximumLengthIsAccepted() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let id = String(repeating: "a", count: 128)
        #expect(try PluginManifest.load(folder: sandbox.plugin(id, toml: manifest(id))).id == id)
    }

    @Test func missingLibraryNamesTheDefaultFile() {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello"), library: false)
        expectFailure(folder, [folder + "/libhello.so: library file not found (set [plugin].library or build the plugin)"])
    }

    @Test func libraryThatIsAFolderIsRefused() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello"), library: false)
        try FileManager.default.createDirectory(atPath: folder + "/libhello.so", withIntermediateDirectories: false)
        expectFailure(folder, [folder + "/libhello.so: expected a library file, found a directory"])
    }

    @Test func missingManifestSaysSo() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        try FileManager.default.createDirectory(atPath: sandbox.root() + "/hello", withIntermediateDirectories: true)
        expectFailure(sandbox.root() + "/hello", [sandbox.root() + "/hello/plugin.toml: cannot read: no such file or directory"])
    }

    @Test func manifestThatIsNotUTF8IsRefused() {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: "")
        write(folder + "/plugin.toml", Data([0x5B, 0xFF, 0xFE, 0x5D]))
        expectFailure(folder, [folder + "/plugin.toml: expected UTF-8 text"])
    }

    // As root, chmod 000 does not block reading, so there is nothing to observe: skipped.
    @Test(.enabled(if: !ignoresPermissions, "running as root: permissions are not enforced"))
    func unreadableManifestNamesThePermission() {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello"))
        defer { chmod(folder, 0o755) }
        chmod(folder + "/plugin.toml", 0)
        expectFailure(folder, [folder + "/plugin.toml: cannot read: permission denied (mode 000, owner uid \(getuid())"])
        chmod(folder + "/plugin.toml", 0o644)
        chmod(folder, 0o600)  // readable but not searchable
        expectFailure(folder, [folder + "/plugin.toml: cannot read: permission denied (the folder \(folder) cannot be entered"])
    }

    // MARK: - ABI range

    private func manifestWithABI(_ abi: String, in sandbox: Sandbox) throws -> PluginManifest {
        try PluginManifest.load(folder: sandbox.plugin("hello", toml: manifest("hello", ["abi": "\"\(abi)\""])))
    }

    @Test func abiOfThisHostPasses() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let host = PluginManifest.ABIVersion.host
        let loaded = try manifestWithABI("\(host.major).\(host.minor)", in: sandbox)
        try PluginManifest.checkABI(loaded)
        try PluginManifest.checkABI(loaded, hostMajor: host.major, hostMinor: host.minor + 3)
    }

    @Test func abiMinimumOlderThanTheHostPasses() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        // The manifest's abi is a minimum: a 1.0 plugin runs on every 1.x host.
        let loaded = try manifestWithABI("1.0", in: sandbox)
        for minor: UInt32 in [0, 1, 9] { try PluginManifest.checkABI(loaded, hostMajor: 1, hostMinor: minor) }
    }

    @Test func abiMajorMismatchIsRefused() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try manifestWithABI("2.0", in: sandbox)
        #expect(throws: LoadFailure(.abi, "\(loaded.manifestPath): [plugin].abi = \"2.0\" (the oldest host ABI the plugin runs on), this host speaks ABI 1.0; the majors must match: rebuild the plugin against neko_abi.h 1.x")) {
            try PluginManifest.checkABI(loaded, hostMajor: 1, hostMinor: 0)
        }
    }

    @Test func abiMinorNewerThanHostIsRefused() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try manifestWithABI("1.4", in: sandbox)
        do {
            try PluginManifest.checkABI(loaded, hostMajor: 1, hostMinor: 2)
            Issue.record("expected an ABI failure")
        } catch {
            #expect(error.phase == .abi)
            #expect(error.message.contains("plugin.toml: [plugin].abi = \"1.4\" (the oldest host ABI the plugin runs on), this host speaks ABI 1.2; the plugin needs a newer host (ABI 1.4 or a later 1.x)"))
        }
    }
}

// MARK: - Discovery

extension ManifestTests {
    @Suite struct DiscoveryTests {
        @Test func rootsComeFromFlagsThenEnvironmentThenDefault() {
            let cwd = Discovery.absolutePath(FileManager.default.currentDirectoryPath)
            let environment = ["NEKO_PLUGIN_PATH": "/env/a::/env/b/../c:", "HOME": "/home/ada"]
            #expect(Discovery.roots(explicit: ["/x/./y", "rel"], environment: environment) == ["/x/y", cwd + "/rel"])
            #expect(Discovery.roots(explicit: [], environment: environment) == ["/env/a", "/env/c"])
            #expect(Discovery.roots(explicit: [], environment: ["NEKO_PLUGIN_PATH": "::"]) == [cwd + "/plugins"])
            #expect(Discovery.roots(explicit: [], environment: [:]) == [cwd + "/plugins"])
            #expect(Discovery.roots(explicit: ["~/neko"], environment: environment) == ["/home/ada/neko"])
        }

        @Test func scanListsPluginFoldersSortedAndSkipsTheRest() throws {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            sandbox.plugin("zeta", toml: manifest("zeta"))
            sandbox.plugin("alpha", toml: manifest("alpha"))
            sandbox.plugin("broken", toml: manifest("broken", ["version": "\"1.x\""]))
            try FileManager.default.createDirectory(atPath: sandbox.root() + "/not-a-plugin", withIntermediateDirectories: true)
            write(sandbox.root() + "/README.md", Data())
            let found = Discovery.scan(roots: [sandbox.root()])
            #expect(found.map(\.id) == ["alpha", "broken", "zeta"])
            #expect(found.allSatisfy { $0.root == sandbox.root() && $0.folder == sandbox.root() + "/" + $0.id })
            #expect((try? found[0].manifest.get())?.id == "alpha")
            guard case .failure(let failure) = found[1].manifest else { Issue.record("expected broken to fail"); return }
            #expect(failure.phase == .manifest && failure.message.contains("[plugin].version = \"1.x\""))
        }

        @Test func duplicateIdAcrossRootsFirstRootWins() {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            let first = sandbox.plugin("hello", root: "user", toml: manifest("hello"))
            let second = sandbox.plugin("hello", root: "builtin", toml: manifest("hello"))
            let found = Discovery.scan(roots: [sandbox.root("user"), sandbox.root("builtin")])
            #expect(found.map(\.folder) == [first, second])
            #expect((try? found[0].manifest.get()) != nil)
            #expect(found[1].manifest.failure == LoadFailure(.manifest,
                "\(second)/plugin.toml: duplicate plugin id 'hello': already provided by \(first); the first root wins"))
        }

        @Test func rootProblemsNameEachRoot() {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            sandbox.plugin("hello", toml: manifest("hello"))
            write(sandbox.root("file"), Data())
            let roots = [sandbox.root(), sandbox.root("missing"), sandbox.root("file"), sandbox.root() + "/"]
            #expect(Discovery.rootProblems(roots: roots) == [
                "\(sandbox.root("missing")): plugin root does not exist",
                "\(sandbox.root("file")): plugin root is not a folder",
                "\(sandbox.root()): plugin root listed more than once; scanned once",
            ])
            #expect(Discovery.scan(roots: roots).map(\.id) == ["hello"])
        }

        // As root, chmod 000 does not block listing, so there is nothing to observe: skipped.
        @Test(.enabled(if: !ignoresPermissions, "running as root: permissions are not enforced"))
        func unreadableRootIsReported() {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            sandbox.plugin("hello", toml: manifest("hello"))
            defer { chmod(sandbox.root(), 0o755) }
            chmod(sandbox.root(), 0)
            #expect(Discovery.rootProblems(roots: [sandbox.root()]).first?.hasPrefix("\(sandbox.root()): cannot list the plugin root: permission denied") == true)
        }
    }
}


