@_spi(Neko) import NekoCore

/// The plugin loads (manifest, ABI, descriptor), its entry and timer ids are
/// unique, every argument and result schema is a valid JSON Schema, and its
/// strings are valid UTF-8.
struct DescriptorCheck: ConformanceCheck {
    let name = "descriptor"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        let host = subject.makeHost()
        defer { host.shutdown() }
        let id: String
        switch host.load(folder: subject.folder) {
        case .success(let loaded): id = loaded
        case .failure(let failure): return fail("the plugin does not load: \(failure)")
        }
        guard let loaded = try? host.running(id, loadOnDemand: false) else { return fail("the plugin stopped as soon as it loaded") }
        let entries = loaded.library.entries, timers = loaded.library.timers
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.id).inserted { return fail("entry id '\(entry.id)' is declared twice") }
        seen = []
        for timer in timers where !seen.insert(timer.id).inserted { return fail("timer id '\(timer.id)' is declared twice") }
        for entry in entries {
            if let problem = SchemaSanity.problem(in: entry.schema) { return fail("entry '\(entry.id)': args_schema \(problem)") }
            if let result = entry.resultSchema {
                if let problem = SchemaSanity.problem(in: result) { return fail("entry '\(entry.id)': result_schema \(problem)") }
                do { _ = try JSONSchemaValidator(result) } catch { return fail("entry '\(entry.id)': result_schema: \(error)") }
            }
            for (field, text) in [("id", entry.id), ("name", entry.name), ("description", entry.description)] where text.contains("\u{FFFD}") {
                return fail("entry '\(entry.id)': \(field) is not valid UTF-8")
            }
        }
        return pass("\(entries.count) entries, \(timers.count) timers: ids unique, schemas valid, strings UTF-8")
    }
}
