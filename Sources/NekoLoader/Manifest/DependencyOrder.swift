/// What the host loads, in which order, and what cannot load because of its dependencies.
package struct LoadPlan: Sendable {
    /// The enabled plugins to load, each after all of its dependencies; among
    /// plugins that are ready at the same time, higher `priority` first, then by id.
    package let order: [PluginManifest]
    /// Enabled plugins with a valid manifest that cannot load because of their
    /// dependencies, by id; every failure has phase ``LoadPhase/dependencies``.
    ///
    /// Manifest failures are not repeated here: they stay on each
    /// ``DiscoveredPlugin`` (two folders may share an id there).
    package let failures: [String: LoadFailure]
    /// The plugins with `[plugin_runtime].enabled = false`, by id: listed, never loaded, never failed.
    package let disabled: [PluginManifest]
    /// What loadable plugins' users should know about their dependencies, by id: a
    /// dependency whose version is in its `untested` range or outside `recommended`.
    package let warnings: [String: [String]]
}

/// Orders plugins so that each one loads after the plugins it depends on.
package enum DependencyOrder {
    // MARK: - API

    /// Computes the load order of `plugins` and the dependency failures.
    ///
    /// Only the first entry of each id counts (``Discovery/scan(roots:strict:)`` lists
    /// the winner of a duplicate id first). An enabled plugin with a valid
    /// manifest fails, with every reason joined by `; `, when:
    /// - a dependency is not installed: `depends on 'x', which is not installed`;
    /// - a dependency is disabled: `depends on 'x', which is disabled`;
    /// - a dependency failed: `depends on 'x', which failed (manifest: ...)`, which
    ///   also covers a dependency that itself failed its dependencies, so a
    ///   failure spreads to everything that depends on it, transitively;
    /// - it is part of a cycle: `dependency cycle: a -> b -> c -> a`, starting from itself;
    /// - a `[[plugin.dependency]]`'s version is outside its ranges:
    ///   `[[plugin.dependency]][0].supported = ">=1.0.0,<3.0.0" does not include 'x' 0.5.0`
    ///   (a missing one names its ranges: `depends on 'x' (supported = ">=1.0.0"), which is not installed`);
    /// - a `[[plugin.dependency]]` with `conflicts = true` names a plugin that is installed and enabled.
    ///
    /// - Parameter plugins: The result of ``Discovery/scan(roots:strict:)``.
    /// - Returns: The plan; deterministic for a given input.
    package static func plan(_ plugins: [DiscoveredPlugin]) -> LoadPlan {
        var entries: [String: Result<PluginManifest, LoadFailure>] = [:]
        for plugin in plugins where entries[plugin.id] == nil {
            entries[plugin.id] = plugin.manifest
        }
        var enabled: [String: PluginManifest] = [:]
        var disabled: [PluginManifest] = []
        for case .success(let manifest) in entries.values {
            if manifest.runtime.enabled { enabled[manifest.id] = manifest } else { disabled.append(manifest) }
        }
        let edges = enabled.mapValues { $0.dependencies.filter { enabled[$0] != nil } }
        var failures: [String: LoadFailure] = [:]
        var warnings: [String: [String]] = [:]
        for component in stronglyConnectedComponents(nodes: enabled.keys.sorted(), edges: edges) {
            let members = Set(component)
            let isCycle = component.count > 1 || edges[component[0], default: []].contains(component[0])
            for id in component.sorted() {
                var reasons: [String] = []
                if isCycle {
                    reasons.append("dependency cycle: " + cycle(from: id, within: members, edges: edges).joined(separator: " -> "))
                }
                let requirements = enabled[id]?.dependencyRequirements ?? []
                for dependency in enabled[id]?.dependencies ?? [] {
                    let wanted = requirements.first { $0.id == dependency }.map(rangeSummary) ?? ""
                    if let reason = problem(of: dependency, wanted: wanted, entries: entries, enabled: enabled, failures: failures, skip: isCycle ? members : []) {
                        reasons.append(reason)
                    }
                }
                for (index, requirement) in requirements.enumerated() {
                    guard case .success(let found)? = entries[requirement.id], found.runtime.enabled else { continue }
                    let table = "[[plugin.dependency]][\(index)]"
                    if requirement.isConflict {
                        reasons.append("\(table): conflicts = true, and '\(requirement.id)' is installed and enabled (\(found.folder))")
                        continue
                    }
                    guard let version = SemanticVersion(found.version) else { continue }
                    let verdict = requirement.versions.judge(version, of: "'\(requirement.id)'", table: table)
                    if let refusal = verdict.refusal { reasons.append(refusal) }
                    if let path = enabled[id]?.manifestPath {
                        warnings[id, default: []] += verdict.warnings.map { "\(path): \($0)" }
                    }
                }
                if !reasons.isEmpty {
                    failures[id] = LoadFailure(.dependencies, reasons.joined(separator: "; "))
                }
            }
        }
        let loadable = enabled.filter { failures[$0.key] == nil }
        return LoadPlan(
            order: topologicalOrder(loadable, edges: edges),
            failures: failures,
            disabled: disabled.sorted { $0.id < $1.id },
            warnings: warnings.filter { failures[$0.key] == nil && !$0.value.isEmpty })
    }

    /// The ranges of a requirement for a message, eg ` (supported = ">=1.0.0,<3.0.0")`; empty when it has none.
    private static func rangeSummary(_ requirement: PluginManifest.DependencyRequirement) -> String {
        let versions = requirement.versions
        let quoted = PluginManifest.TOMLDocument.quoted
        let parts = [("supported", versions.supported), ("untested", versions.untested), ("recommended", versions.recommended)]
            .compactMap { key, range in range.map { "\(key) = \(quoted($0.text))" } }
            + (versions.conflicts.isEmpty ? [] : ["conflicts = [" + versions.conflicts.map { quoted($0.text) }.joined(separator: ", ") + "]"])
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    // MARK: - Steps

    /// Why `dependency` keeps its dependent from loading, or `nil` when it does not.
    /// Members of `skip` (the dependent's own cycle) are reported as the cycle instead.
    private static func problem(
        of dependency: String,
        wanted: String,
        entries: [String: Result<PluginManifest, LoadFailure>],
        enabled: [String: PluginManifest],
        failures: [String: LoadFailure],
        skip: Set<String>
    ) -> String? {
        if skip.contains(dependency) { return nil }
        switch entries[dependency] {
        case nil:
            return "depends on '\(dependency)'\(wanted), which is not installed"
        case .failure(let failure)?:
            return "depends on '\(dependency)', which failed (\(failure))"
        case .success?:
            guard enabled[dependency] != nil else { return "depends on '\(dependency)', which is disabled" }
            return failures[dependency].map { "depends on '\(dependency)', which failed (\($0))" }
        }
    }

    /// The strongly connected components of the graph (Tarjan's algorithm,
    /// without recursion), dependencies' components before their dependents'.
    static func stronglyConnectedComponents(nodes: [String], edges: [String: [String]]) -> [[String]] {
        var nextIndex = 0
        var index: [String: Int] = [:]
        var lowLink: [String: Int] = [:]
        var stack: [String] = []
        var onStack: Set<String> = []
        var components: [[String]] = []
        func visit(_ node: String) {
            index[node] = nextIndex
            lowLink[node] = nextIndex
            nextIndex += 1
            stack.append(node)
            onStack.insert(node)
        }
        for start in nodes where index[start] == nil {
            visit(start)
            var work: [(node: String, next: Int)] = [(start, 0)]
            while let (node, next) = work.last {
                let targets = edges[node, default: []]
                if next < targets.count {
                    work[work.count - 1].next += 1
                    let target = targets[next]
                    if index[target] == nil {
                        visit(target)
                        work.append((target, 0))
                    } else if onStack.contains(target) {
                        lowLink[node] = min(lowLink[node]!, index[target]!)
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node {
                    lowLink[parent] = min(lowLink[parent]!, lowLink[node]!)
                }
                if lowLink[node] == index[node] {
                    var component: [String] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == node { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }

    /// The shortest cycle from `start` back to itself inside `members`, eg `["a", "b", "a"]`.
    private static func cycle(from start: String, within members: Set<String>, edges: [String: [String]]) -> [String] {
        var parent: [String: String] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for target in edges[node, default: []] where members.contains(target) {
                if target == start {
                    var backwards: [String] = []
                    var step = node
                    while step != start, let previous = parent[step] {
                        backwards.append(step)
                        step = previous
                    }
                    return [start] + backwards.reversed() + [start]
                }
                if parent[target] == nil {
                    parent[target] = node
                    queue.append(target)
                }
            }
        }
        return [start, start]
    }

    /// Kahn's algorithm: each plugin after its dependencies; among the ready
    /// ones, the highest priority first, then the smallest id.
    private static func topologicalOrder(_ plugins: [String: PluginManifest], edges: [String: [String]]) -> [PluginManifest] {
        var waitingOn: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for (id, _) in plugins {
            let dependencies = edges[id, default: []]
            waitingOn[id] = dependencies.count
            for dependency in dependencies { dependents[dependency, default: []].append(id) }
        }
        func comesFirst(_ a: PluginManifest, _ b: PluginManifest) -> Bool {
            a.runtime.priority != b.runtime.priority ? a.runtime.priority > b.runtime.priority : a.id < b.id
        }
        var ready = plugins.values.filter { waitingOn[$0.id] == 0 }
        var order: [PluginManifest] = []
        while let best = ready.indices.min(by: { comesFirst(ready[$0], ready[$1]) }) {
            let next = ready.remove(at: best)
            order.append(next)
            for dependent in dependents[next.id, default: []] {
                waitingOn[dependent, default: 0] -= 1
                if waitingOn[dependent] == 0, let manifest = plugins[dependent] { ready.append(manifest) }
            }
        }
        return order
    }
}
