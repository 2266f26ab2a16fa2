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

// MARK: - Dependency order

extension ManifestTests {
    @Suite struct DependencyOrderTests {
        /// Writes plugins (`id: (dependencies, priority, enabled)`) and plans them.
        private func plan(_ plugins: [(String, [String], Int, Bool)], extra: (Sandbox) -> Void = { _ in }) -> LoadPlan {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            for (id, dependencies, priority, enabled) in plugins {
                let list = dependencies.map { "\"\($0)\"" }.joined(separator: ", ")
                sandbox.plugin(id, toml: manifest(id, plugin: "dependencies = [\(list)]",
                                                  after: "[plugin_runtime]\npriority = \(priority)\nenabled = \(enabled)"))
            }
            extra(sandbox)
            return DependencyOrder.plan(Discovery.scan(roots: [sandbox.root()]))
        }

        @Test func dependenciesFirstThenPriorityThenId() {
            let result = plan([
                ("app", ["base", "util"], 100, true), ("base", [], 0, true), ("util", ["base"], 5, true),
                ("zeta", [], 10, true), ("alpha", [], 10, true), ("off", [], 50, false),
            ])
            #expect(result.order.map(\.id) == ["alpha", "zeta", "base", "util", "app"])
            #expect(result.failures.isEmpty)
            #expect(result.disabled.map(\.id) == ["off"])
        }

        @Test func cycleOfThreeFailsEveryMember() {
            let result = plan([("a", ["b"], 0, true), ("b", ["c"], 0, true), ("c", ["a"], 0, true), ("d", ["a"], 0, true), ("e", [], 0, true)])
            #expect(result.order.map(\.id) == ["e"])
            #expect(result.failures["a"] == LoadFailure(.dependencies, "dependency cycle: a -> b -> c -> a"))
            #expect(result.failures["b"] == LoadFailure(.dependencies, "dependency cycle: b -> c -> a -> b"))
            #expect(result.failures["c"] == LoadFailure(.dependencies, "dependency cycle: c -> a -> b -> c"))
            #expect(result.failures["d"] == LoadFailure(.dependencies, "depends on 'a', which failed (dependencies: dependency cycle: a -> b -> c -> a)"))
        }

        @Test func missingDisabledAndFailedDependencies() {
            let result = plan([
                ("needs-missing", ["ghost"], 0, true), ("needs-off", ["off"], 0, true), ("off", [], 0, false),
                ("needs-broken", ["broken"], 0, true), ("both", ["ghost", "off"], 0, true),
            ]) { sandbox in
                sandbox.plugin("broken", toml: manifest("broken", ["version": "\"1.x\""]))
            }
            #expect(result.order.isEmpty)
            #expect(result.failures["needs-missing"] == LoadFailure(.dependencies, "depends on 'ghost', which is not installed"))
            #expect(result.failures["needs-off"] == LoadFailure(.dependencies, "depends on 'off', which is disabled"))
            #expect(result.failures["both"] == LoadFailure(.dependencies, "depends on 'ghost', which is not installed; depends on 'off', which is disabled"))
            let broken = result.failures["needs-broken"]
            #expect(broken?.phase == .dependencies)
            #expect(broken?.message.hasPrefix("depends on 'broken', which failed (manifest: ") == true)
            #expect(broken?.message.contains("/broken/plugin.toml: [plugin].version = \"1.x\": expected a semantic version") == true)
            #expect(result.failures["broken"] == nil && result.failures["off"] == nil)
            #expect(result.disabled.map(\.id) == ["off"])
        }

        @Test func failureSpreadsToTransitiveDependents() {
            let result = plan([("top", ["mid"], 0, true), ("mid", ["low"], 0, true), ("low", ["ghost"], 0, true), ("free", [], 0, true)])
            #expect(result.order.map(\.id) == ["free"])
            #expect(result.failures["low"] == LoadFailure(.dependencies, "depends on 'ghost', which is not installed"))
            #expect(result.failures["mid"] == LoadFailure(.dependencies, "depends on 'low', which failed (dependencies: depends on 'ghost', which is not installed)"))
            #expect(result.failures["top"]?.message.hasPrefix("depends on 'mid', which failed (dependencies: depends on 'low', which failed") == true)
        }

        /// Plans `app` (with `requirement`, a `[[plugin.dependency]]` body) beside `timer` at `version` (none: not installed).
        private func planRequirement(_ requirement: String, timer version: String?) -> (LoadPlan, String) {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            let app = sandbox.plugin("app", toml: manifest("app", after: "[[plugin.dependency]]\n" + requirement))
            if let version { sandbox.plugin("timer", toml: manifest("timer", ["version": "\"\(version)\""])) }
            return (DependencyOrder.plan(Discovery.scan(roots: [sandbox.root()])), app + "/plugin.toml")
        }

        @Test func dependencyTablesOrderAndCheckVersions() {
            let ranges = "id = \"timer\"\nsupported = \">=1.0.0,<3.0.0\"\nuntested = \">=3.0.0,<4.0.0\"\nrecommended = \"^1.2\""
            let (fine, _) = planRequirement(ranges, timer: "1.4.0")
            #expect(fine.order.map(\.id) == ["timer", "app"], "the dependency loads first")
            #expect(fine.failures.isEmpty && fine.warnings.isEmpty)

            let (old, _) = planRequirement(ranges, timer: "0.5.0")
            #expect(old.failures["app"] == LoadFailure(.dependencies, #"[[plugin.dependency]][0].supported = ">=1.0.0,<3.0.0" nor [[plugin.dependency]][0].untested = ">=3.0.0,<4.0.0" does not include 'timer' 0.5.0"#))
            #expect(old.order.map(\.id) == ["timer"])

            let (untested, path) = planRequirement(ranges, timer: "3.1.0")
            #expect(untested.failures.isEmpty)
            #expect(untested.warnings["app"] == [
                path + #": [[plugin.dependency]][0].untested = ">=3.0.0,<4.0.0" includes 'timer' 3.1.0: the plugin was not tested with it"#,
                path + #": [[plugin.dependency]][0].recommended = "^1.2" does not include 'timer' 3.1.0"#,
            ])

            let (missing, _) = planRequirement(ranges, timer: nil)
            #expect(missing.failures["app"] == LoadFailure(.dependencies, #"depends on 'timer' (supported = ">=1.0.0,<3.0.0", untested = ">=3.0.0,<4.0.0", recommended = "^1.2"), which is not installed"#))

            let (conflicting, _) = planRequirement("id = \"timer\"\nconflicts = [\">=2\"]", timer: "2.0.0")
            #expect(conflicting.failures["app"] == LoadFailure(.dependencies, #"[[plugin.dependency]][0].conflicts includes ">=2", and 'timer' is 2.0.0"#))
        }

        @Test func conflictsTrueRefusesBesideAnEnabledPlugin() {
            let (beside, _) = planRequirement("id = \"timer\"\nconflicts = true", timer: "1.0.0")
            #expect(beside.failures["app"]?.message.hasPrefix("[[plugin.dependency]][0]: conflicts = true, and 'timer' is installed and enabled (") == true)
            let (alone, _) = planRequirement("id = \"timer\"\nconflicts = true", timer: nil)
            #expect(alone.failures.isEmpty, "a conflict is not a need")
            #expect(alone.order.map(\.id) == ["app"])
        }

        @Test func duplicateLaterRootDoesNotCount() {
            let sandbox = Sandbox()
            defer { sandbox.remove() }
            sandbox.plugin("hello", root: "user", toml: manifest("hello"))
            sandbox.plugin("hello", root: "builtin", toml: manifest("hello"))
            let result = DependencyOrder.plan(Discovery.scan(roots: [sandbox.root("user"), sandbox.root("builtin")]))
            #expect(result.order.map(\.folder) == [sandbox.root("user") + "/hello"])
            #expect(result.failures.isEmpty)
        }
    }
}
