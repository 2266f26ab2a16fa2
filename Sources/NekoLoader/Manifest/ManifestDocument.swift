@_spi(Neko) import NekoCore
import TOMLKit

extension PluginManifest {
    /// A parsed `plugin.toml`, read field by field with errors that name the
    /// file, the field, what was expected and what was found.
    ///
    /// Internal: the rest of Neko sees only ``PluginManifest`` and ``LoadFailure``.
    struct TOMLDocument {
        /// The manifest's absolute path, the prefix of every message.
        let file: String
        /// The parsed document. TOMLKit never frees it: call `root.clear()` when done.
        let root: TOMLTable

        /// Reads and parses `file`.
        ///
        /// - Throws: `<file>: cannot read: <cause>`, `<file>: expected UTF-8 text`,
        ///   or `<file>:<line>:<column>: TOML syntax error: <what>`.
        static func parse(file: String) throws(LoadFailure) -> TOMLDocument {
            let bytes = try Discovery.readFile(file)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw LoadFailure(.manifest, "\(file): expected UTF-8 text, found invalid bytes")
            }
            if let offset = bytes.firstIndex(of: 0) {
                throw LoadFailure(.manifest, "\(file): expected text, found a NUL byte at offset \(offset)")
            }
            do {
                return TOMLDocument(file: file, root: try TOMLTable(string: text))
            } catch let error as TOMLParseError {
                let at = error.source.begin
                throw LoadFailure(.manifest, "\(file):\(at.line):\(at.column): TOML syntax error: \(error.description)")
            } catch {
                throw LoadFailure(.manifest, "\(file): TOML syntax error: \(error)")
            }
        }

        /// The top-level table `[key]`, which must be present.
        func table(_ key: String, required what: String) throws(LoadFailure) -> Table {
            guard let table = try optionalTable(key) else {
                throw LoadFailure(.manifest, "\(file): missing required table [\(key)] (\(what))")
            }
            return table
        }

        /// The top-level table `[key]`, or `nil` when absent.
        func optionalTable(_ key: String) throws(LoadFailure) -> Table? {
            guard let value = root[key] else { return nil }
            guard let table = value.table else {
                throw LoadFailure(.manifest, "\(file): \(Self.keyName(key)) = \(Self.render(value)): expected a table [\(key)], found \(Self.kind(value))")
            }
            return Table(file: file, path: key, table: table)
        }

        /// Every top-level table but `excluded`, as a JSON object: the plugin's own configuration.
        ///
        /// - Throws: For a top-level value that is not a table (or an array of tables),
        ///   a table whose name looks like a typo of `excluded`, and a float JSON
        ///   cannot hold (`nan`, `inf`).
        func configuration(excluding excluded: [String], manifestKeys: [String: String]) throws(LoadFailure) -> JSON {
            var pairs: [(String, JSON)] = []
            for (key, value) in root where !excluded.contains(key) {
                let isTables = value.type == .table || (value.array.map { $0.allSatisfy { $0.type == .table } } ?? false)
                guard isTables else {
                    let hint = manifestKeys[key].map { "; did you mean [\($0)].\(key)?" } ?? ""
                    throw LoadFailure(.manifest, "\(file): top-level key \(Self.keyName(key)) = \(Self.render(value)): expected a table; the plugin's own settings go in a table of their own, eg [settings]\(hint)")
                }
                if let intended = excluded.first(where: { Self.looksLikeTypo(key, of: $0, allowEdits: $0.count >= 10) }) {
                    throw LoadFailure(.manifest, "\(file): table [\(key)]: did you mean [\(intended)]? (any other table is the plugin's own configuration; rename it if that is what you meant)")
                }
                pairs.append((key, try json(value, at: "[\(Self.keyName(key))]")))
            }
            return PluginManifest.jsonObject(pairs)
        }

        /// A TOML value as JSON; dates and times become their TOML text, eg `"2024-05-01"`.
        private func json(_ value: TOMLValueConvertible, at path: String) throws(LoadFailure) -> JSON {
            switch value.type {
            case .string: return .string(value.string ?? "")
            case .int: return .int(Int64(value.int ?? 0))
            case .bool: return .bool(value.bool ?? false)
            case .date, .time, .dateTime: return .string(Self.render(value))
            case .double:
                let number = value.double ?? 0
                guard number.isFinite else {
                    throw LoadFailure(.manifest, "\(file): \(path) = \(number): expected a finite number (JSON has no nan or inf)")
                }
                return .double(number)
            case .array:
                var elements: [JSON] = []
                for (index, element) in Self.elements(value).enumerated() {
                    elements.append(try json(element, at: "\(path)[\(index)]"))
                }
                return .array(elements)
            case .table:
                var pairs: [(String, JSON)] = []
                for (key, element) in value.table.map({ Array($0) }) ?? [] {
                    pairs.append((key, try json(element, at: "\(path).\(Self.keyName(key))")))
                }
                return PluginManifest.jsonObject(pairs)
            }
        }

        /// A table of the document, eg `[plugin]`, `[plugin.author]` or one `[[plugin.dependency]]`.
        struct Table {
            /// The manifest's path, for messages.
            let file: String
            /// The table's dotted name, eg `plugin.author`.
            let path: String
            let table: TOMLTable
            /// How the table is named in messages when not `[path]`, eg `[[plugin.dependency]][1]`.
            var label: String? = nil

            /// How the table is named in messages, eg `[plugin.author]`.
            var name: String { label ?? "[\(path)]" }

            /// How a field is named in messages, eg `[plugin].version`.
            func field(_ key: String) -> String { "\(name).\(keyName(key))" }

            /// A failure of phase `.manifest` about this file: `<file>: <message>`.
            func failure(_ message: String) -> LoadFailure { LoadFailure(.manifest, "\(file): \(message)") }

            /// `<file>: [table].key = <value>: <expectation>`, for a present field whose value is wrong.
            func invalid(_ key: String, _ expectation: String) -> LoadFailure {
                failure("\(field(key)) = \(table[key].map(render) ?? "nothing"): \(expectation)")
            }

            /// The field `key` converted by `convert`, or `nil` when absent.
            /// - Throws: `... = <value>: expected <what>, found <kind>` when `convert` returns `nil`.
            func optional<Value>(_ key: String, _ what: String, _ convert: (TOMLValueConvertible) -> Value?) throws(LoadFailure) -> Value? {
                guard let value = table[key] else { return nil }
                guard let converted = convert(value) else {
                    throw failure("\(field(key)) = \(render(value)): expected \(what), found \(kind(value))")
                }
                return converted
            }

            /// The field `key` converted by `convert`.
            /// - Throws: `missing required field [table].key (<what>)` when absent, or as ``optional(_:_:_:)``.
            func required<Value>(_ key: String, _ what: String, _ convert: (TOMLValueConvertible) -> Value?) throws(LoadFailure) -> Value {
                guard let value = try optional(key, what, convert) else {
                    throw failure("missing required field \(field(key)) (\(what))")
                }
                return value
            }

            /// A boolean field, or `nil` when absent.
            func bool(_ key: String) throws(LoadFailure) -> Bool? {
                try optional(key, "a boolean (true or false)") { $0.bool }
            }

            /// A string field that must be one of `choices`, or `nil` when absent.
            /// - Throws: `[t].key = "disk": expected one of "file", "sqlite", "memory"`.
            func choice(_ key: String, _ choices: [String]) throws(LoadFailure) -> String? {
                let listed = choices.map(quoted).joined(separator: ", ")
                guard let text = try optional(key, "a string, one of \(listed)", { $0.string }) else { return nil }
                guard choices.contains(text) else { throw invalid(key, "expected one of \(listed)") }
                return text
            }

            /// An array of strings, or `nil` when absent.
            /// - Throws: `[t].key = 3: expected <what>, found an integer`, or `[t].key[1] = 3: expected a string, found ...`.
            func strings(_ key: String, _ what: String) throws(LoadFailure) -> [String]? {
                guard let array = try optional(key, what, { $0.array }) else { return nil }
                var strings: [String] = []
                for (index, element) in array.enumerated() {
                    guard let text = element.string else {
                        throw failure("\(field(key))[\(index)] = \(render(element)): expected a string, found \(kind(element))")
                    }
                    strings.append(text)
                }
                return strings
            }

            /// A version range field (``VersionRange``), or `nil` when absent.
            func range(_ key: String) throws(LoadFailure) -> VersionRange? {
                guard let text = try optional(key, "a version range like \">=1.0.0,<2.0.0\"", { $0.string }) else { return nil }
                do { return try VersionRange(text) } catch { throw invalid(key, error.message) }
            }

            /// `conflicts`: one range or an array of ranges (none when absent).
            func ranges(_ key: String) throws(LoadFailure) -> [VersionRange] {
                guard let value = table[key] else { return [] }
                if value.string != nil { return [try range(key)].compactMap { $0 } }
                let texts = try strings(key, "a version range or an array of them, like [\"<0.1.0\", \">=0.4.0\"]") ?? []
                var ranges: [VersionRange] = []
                for (index, text) in texts.enumerated() {
                    do { ranges.append(try VersionRange(text)) } catch {
                        throw failure("\(field(key))[\(index)] = \(quoted(text)): \(error.message)")
                    }
                }
                return ranges
            }

            /// The sub-table `[path.key]`, or `nil` when absent.
            func subtable(_ key: String) throws(LoadFailure) -> Table? {
                guard let table = try optional(key, "a table", { $0.table }) else { return nil }
                return Table(file: file, path: "\(path).\(keyName(key))", table: table)
            }

            /// `[[path.key]]`: an array of tables (or one table), or `nil` when absent;
            /// each is named `[[path.key]][index]` in messages.
            func tables(_ key: String) throws(LoadFailure) -> [Table]? {
                guard let value = table[key] else { return nil }
                let path = "\(path).\(keyName(key))"
                if let single = value.table { return [Table(file: file, path: path, table: single, label: "[\(path)]")] }
                let elements = try optional(key, "an array of tables [[\(path)]]") { $0.array != nil ? TOMLDocument.elements($0) : nil } ?? []
                var tables: [Table] = []
                for (index, element) in elements.enumerated() {
                    guard let table = element.table else {
                        throw failure("\(field(key))[\(index)] = \(render(element)): expected a table [[\(path)]], found \(kind(element))")
                    }
                    tables.append(Table(file: file, path: path, table: table, label: "[[\(path)]][\(index)]"))
                }
                return tables
            }

            /// Reports each key not in `known`: a warning naming the nearest known key
            /// (`unknown key `libary` in [plugin]; did you mean `library`?`), or, when
            /// `strict`, a failure with the same words.
            func checkKeys(known: [String], strict: Bool, warnings: inout [String]) throws(LoadFailure) {
                for key in table.keys.sorted() where !known.contains(key) {
                    let nearest = known.min { editDistance(Array(key.lowercased()), Array($0)) < editDistance(Array(key.lowercased()), Array($1)) }
                    let advice = nearest.flatMap { looksLikeTypo(key, of: $0) ? "did you mean `\($0)`?" : nil }
                        ?? "known keys: \(known.joined(separator: ", "))"
                    let message = "unknown key `\(key)` in \(name); \(advice)"
                    if strict { throw failure(message + " (refused: --strict)") }
                    warnings.append("\(file): \(message)")
                }
            }
        }

        // MARK: - Words for messages

        /// A key as written in TOML: bare when it can be, else quoted.
        static func keyName(_ key: String) -> String {
            let bare = !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            return bare ? key : quoted(key)
        }

        /// A string in double quotes, escaped and cut to 80 characters, eg `"1.x"`.
        static func quoted(_ text: String) -> String {
            var escaped = ""
            for character in text.prefix(80) {
                switch character {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case "\t": escaped += "\\t"
                default: escaped.append(character)
                }
            }
            return "\"\(escaped)\(text.count > 80 ? "..." : "")\""
        }

        /// A value as it would be written in TOML, shortened, eg `"1.x"`, `42`, `[1, 2]`, `{...}`.
        static func render(_ value: TOMLValueConvertible) -> String {
            switch value.type {
            case .string: return quoted(value.string ?? "")
            case .table: return "{...}"
            case .dateTime:
                // TOMLKit prints a local date-time (no offset) as UTC ("Z"); keep it local.
                guard let moment = value.dateTime else { return "" }
                let offset = moment.offset.map { offset in
                    guard offset.offset != 0 else { return "Z" }
                    let minutes = abs(offset.offset)
                    let hours = minutes / 60 < 10 ? "0\(minutes / 60)" : "\(minutes / 60)"
                    return (offset.offset < 0 ? "-" : "+") + hours + (minutes % 60 < 10 ? ":0" : ":") + "\(minutes % 60)"
                } ?? ""
                return "\(moment.date.debugDescription)T\(moment.time.debugDescription)\(offset)"
            case .array:
                let text = "[" + elements(value).map(render).joined(separator: ", ") + "]"
                return text.count > 80 ? "[...]" : text
            default: return value.tomlValue.debugDescription
            }
        }

        /// The elements of an array value (none for any other value).
        static func elements(_ value: TOMLValueConvertible) -> [TOMLValueConvertible] {
            value.array.map { array in array.map { $0 } } ?? []
        }

        /// The kind of a value with its article, eg `an integer`.
        static func kind(_ value: TOMLValueConvertible) -> String {
            switch value.type {
            case .string: "a string"
            case .int: "an integer"
            case .double: "a floating-point number"
            case .bool: "a boolean"
            case .array: "an array"
            case .table: "a table"
            case .date: "a date"
            case .time: "a time"
            case .dateTime: "a date-time"
            }
        }

        /// Whether `key` is probably a misspelling of `intended`: the same when
        /// case, `_` and `-` are ignored, or (with `allowEdits`) at most 2 edits
        /// away (3 for names of 10 characters or more).
        static func looksLikeTypo(_ key: String, of intended: String, allowEdits: Bool = true) -> Bool {
            func folded(_ text: String) -> String { text.lowercased().filter { $0 != "_" && $0 != "-" } }
            if key == intended { return false }
            if folded(key) == folded(intended) { return true }
            guard allowEdits else { return false }
            let limit = intended.count >= 10 ? 3 : 2
            return intended.count > limit && editDistance(Array(key.lowercased()), Array(intended)) <= limit
        }

        /// The Levenshtein distance between two strings.
        static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1]
                for (j, y) in b.enumerated() {
                    current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
    }
}
