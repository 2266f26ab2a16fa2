extension JSONSchema {
    /// Checks `value` against `schema`, compiling the schema on every call:
    /// returns one error listing every violation, or `nil` if there is none.
    ///
    /// For repeated checks, compile once with ``JSONSchemaValidator`` instead.
    /// A schema that does not compile gives an error whose message says so,
    /// eg `the schema is invalid: #/properties/id: 'pattern' is not a valid regular expression: ...`.
    public static func validate(_ value: JSON, against schema: JSON) -> ArgumentError? {
        do {
            let violations = try JSONSchemaValidator(schema).violations(of: value)
            return violations.isEmpty ? nil : ArgumentError(violations)
        } catch {
            return ArgumentError(field: nil, message: "the schema is invalid: \(error)")
        }
    }
}

/// One step of a field's path: a member's key or an element's position.
enum SchemaPathStep {
    case key(String)
    case index(Int)
}

/// A field's path as a list linked through the stack, so that descending into
/// a value allocates nothing; it is rendered only for a violation.
struct SchemaPathLink {
    let step: SchemaPathStep
    let parent: UnsafePointer<SchemaPathLink>?

    /// `items[2].id`; `nil` for the root.
    static func render(_ link: UnsafePointer<SchemaPathLink>?) -> String? {
        guard link != nil else { return nil }
        var steps: [SchemaPathStep] = []
        var current = link
        while let node = current {
            steps.append(node.pointee.step)
            current = node.pointee.parent
        }
        var text = ""
        for step in steps.reversed() {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// Checks a value against compiled nodes, appending what it finds.
struct SchemaWalk {
    /// How deeply a value may nest below the root (as deep as the parser allows).
    static let maximumDepth = JSON.defaultMaximumDepth
    /// How many schemas may apply in a row to one value (`$ref` to `allOf` to ...);
    /// compilation already refuses loops, so this only guards the stack.
    static let maximumHops = 64

    let nodes: UnsafeBufferPointer<SchemaRules>
    /// What a field is called in messages: `argument` (an entry's), `key` (a settings file's), `field` (a state's).
    var noun = "argument"

    /// Checks `value` against node `index`; returns whether it is valid.
    func check(_ value: JSON, _ index: Int, path: UnsafePointer<SchemaPathLink>?, depth: Int, hops: Int,
               into found: inout [JSONSchemaViolation]) -> Bool {
        let rules = nodes.baseAddress! + index
        if rules.pointee.acceptsEverything { return true }
        if rules.pointee.rejectsEverything {
            let field = SchemaPathLink.render(path)
            let message = "\(ArgumentError.subject(field, noun: noun)) \(field == nil ? "are" : "is") not allowed"
            found.append(violation(path, "false", expected: "nothing", value, message: message))
            return false
        }
        guard hops < Self.maximumHops, depth < Self.maximumDepth else {
            found.append(violation(path, "$ref", expected: "a value the schema can reach", value,
                                   message: "\(ArgumentError.subject(SchemaPathLink.render(path), noun: noun)) is nested too deeply to check"))
            return false
        }
        if let types = rules.pointee.types, !types.allows(value) {
            found.append(mismatch(path, "type", rules.pointee.typeExpectation, value))
            return false  // the other keywords would only repeat it
        }
        let before = found.count
        if let values = rules.pointee.enumValues, !values.contains(value) {
            found.append(mismatch(path, "enum", rules.pointee.enumExpectation, value))
        }
        if let constant = rules.pointee.constValue, constant != value {
            found.append(mismatch(path, "const", ArgumentError.describe(constant), value))
        }
        switch value {
        case .int, .double:
            if let bounds = rules.pointee.bounds, !bounds.allows(value) {
                found.append(mismatch(path, bounds.brokenKeyword(value), rules.pointee.boundsExpectation, value))
            }
        case .string(let text):
            if rules.pointee.checksStrings { checkString(text, value, rules, path, &found) }
        case .array(let elements):
            if rules.pointee.checksArrays { checkArray(elements, rules, path, depth, &found) }
        case .object(let object):
            if rules.pointee.checksObjects { checkObject(object, rules, path, depth, &found) }
        case .null, .bool:
            break
        }
        if let ref = rules.pointee.ref {
            _ = check(value, ref, path: path, depth: depth, hops: hops + 1, into: &found)
        }
        for branch in rules.pointee.allOf {
            _ = check(value, branch, path: path, depth: depth, hops: hops + 1, into: &found)
        }
        if !rules.pointee.anyOf.isEmpty {
            checkAlternatives(value, rules.pointee.anyOf, "anyOf", path, depth, hops, &found)
        }
        if !rules.pointee.oneOf.isEmpty {
            checkAlternatives(value, rules.pointee.oneOf, "oneOf", path, depth, hops, &found)
        }
        if let not = rules.pointee.not {
            var ignored: [JSONSchemaViolation] = []
            if check(value, not, path: path, depth: depth, hops: hops + 1, into: &ignored) {
                found.append(mismatch(path, "not", "a value that does not match '\(nodes[not].pointer)'", value))
            }
        }
        return found.count == before
    }

    // MARK: Strings and arrays

    func checkString(_ text: String, _ value: JSON, _ rules: UnsafePointer<SchemaRules>,
                     _ path: UnsafePointer<SchemaPathLink>?, _ found: inout [JSONSchemaViolation]) {
        if rules.pointee.minLength != nil || rules.pointee.maxLength != nil {
            let length = text.unicodeScalars.count
            if let minimum = rules.pointee.minLength, length < minimum {
                found.append(count(path, "minLength", "at least", minimum, "character", length, verb: "be", suffix: " long"))
            }
            if let maximum = rules.pointee.maxLength, length > maximum {
                found.append(count(path, "maxLength", "at most", maximum, "character", length, verb: "be", suffix: " long"))
            }
        }
        if let pattern = rules.pointee.pattern, !pattern.matches(text) {
            found.append(mismatch(path, "pattern", "a string matching the pattern \(pattern.source)", value))
        }
        if let format = rules.pointee.format, !format.allows(text) {
            found.append(mismatch(path, "format", format.expectation, value))
        }
    }

    func checkArray(_ elements: [JSON], _ rules: UnsafePointer<SchemaRules>, _ path: UnsafePointer<SchemaPathLink>?,
                    _ depth: Int, _ found: inout [JSONSchemaViolation]) {
        if let minimum = rules.pointee.minItems, elements.count < minimum {
            found.append(count(path, "minItems", "at least", minimum, "item", elements.count, verb: "have", suffix: ""))
        }
        if let maximum = rules.pointee.maxItems, elements.count > maximum {
            found.append(count(path, "maxItems", "at most", maximum, "item", elements.count, verb: "have", suffix: ""))
        }
        let prefix = rules.pointee.prefixItems
        for (position, element) in elements.enumerated() {
            let node = position < prefix.count ? prefix[position] : rules.pointee.items
            guard let node else { if position >= prefix.count { break } else { continue } }
            withUnsafePointer(to: SchemaPathLink(step: .index(position), parent: path)) { link in
                _ = check(element, node, path: link, depth: depth + 1, hops: 0, into: &found)
            }
        }
    }

    // MARK: Objects

    func checkObject(_ object: JSONObject, _ rules: UnsafePointer<SchemaRules>, _ path: UnsafePointer<SchemaPathLink>?,
                     _ depth: Int, _ found: inout [JSONSchemaViolation]) {
        let start = found.count
        var requiredSeen = 0
        rules.pointee.properties.withUnsafeBufferPointer { properties in
            var next = 0  // members usually come in the schema's order: look there first
            for member in object.members {
                var match: Int? = nil
                if !properties.isEmpty {
                    var probe = next
                    for _ in 0..<properties.count {
                        if properties[probe].key == member.key { match = probe; break }
                        probe = probe + 1 == properties.count ? 0 : probe + 1
                    }
                }
                let node: Int
                if let match {
                    next = match + 1 == properties.count ? 0 : match + 1
                    if properties[match].isRequired { requiredSeen += 1 }
                    node = properties[match].node
                } else if !rules.pointee.patternProperties.isEmpty,
                          checkPatternProperties(member.key, member.value, rules, path, depth, &found) {
                    continue
                } else {
                    switch rules.pointee.additionalProperties {
                    case .allowed:
                        continue
                    case .forbidden:
                        found.append(unexpected(member.key, member.value, rules, path))
                        continue
                    case .schema(let additional):
                        node = additional
                    }
                }
                withUnsafePointer(to: SchemaPathLink(step: .key(member.key), parent: path)) { link in
                    _ = check(member.value, node, path: link, depth: depth + 1, hops: 0, into: &found)
                }
            }
        }
        if requiredSeen < rules.pointee.requiredPropertyCount || !rules.pointee.requiredElsewhere.isEmpty {
            let missing = rules.pointee.required.filter { object.index(forKey: $0) == nil }.map { key in
                withUnsafePointer(to: SchemaPathLink(step: .key(key), parent: path)) { link in
                    let field = SchemaPathLink.render(link)
                    return JSONSchemaViolation(path: field, keyword: "required", expected: "a value", found: nil,
                                               message: "missing required \(ArgumentError.subject(field, plural: false, noun: noun))")
                }
            }
            found.insert(contentsOf: missing, at: start)  // what is missing first, as a reader fixes it
        }
    }

    /// Checks a member against the `patternProperties` its key matches;
    /// returns whether any matched (then it is not an additional property).
    func checkPatternProperties(_ key: String, _ value: JSON, _ rules: UnsafePointer<SchemaRules>,
                                _ path: UnsafePointer<SchemaPathLink>?, _ depth: Int,
                                _ found: inout [JSONSchemaViolation]) -> Bool {
        var matched = false
        for (pattern, node) in rules.pointee.patternProperties where pattern.matches(key) {
            matched = true
            withUnsafePointer(to: SchemaPathLink(step: .key(key), parent: path)) { link in
                _ = check(value, node, path: link, depth: depth + 1, hops: 0, into: &found)
            }
        }
        return matched
    }

    func unexpected(_ key: String, _ value: JSON, _ rules: UnsafePointer<SchemaRules>,
                    _ path: UnsafePointer<SchemaPathLink>?) -> JSONSchemaViolation {
        withUnsafePointer(to: SchemaPathLink(step: .key(key), parent: path)) { link in
            let field = SchemaPathLink.render(link)
            var message = "unexpected \(ArgumentError.subject(field, plural: false, noun: noun))"
            let known = rules.pointee.properties.map(\.key).filter { object in object != key }
            if let nearest = SchemaSpelling.nearest(to: key, among: known) {
                message += " (did you mean '\(nearest)'?)"
            }
            return JSONSchemaViolation(path: field, keyword: "additionalProperties", expected: "no such \(noun)",
                                       found: ArgumentError.describe(value), message: message)
        }
    }

    // MARK: anyOf and oneOf

    /// `anyOf`: at least one branch; `oneOf`: exactly one. When none matches
    /// and every branch fails at this value itself (its type, its `const`),
    /// the message joins what they expect (`must be a string or null`);
    /// otherwise it reports the branch that came closest.
    func checkAlternatives(_ value: JSON, _ branches: [Int], _ keyword: String, _ path: UnsafePointer<SchemaPathLink>?,
                           _ depth: Int, _ hops: Int, _ found: inout [JSONSchemaViolation]) {
        var failures: [[JSONSchemaViolation]] = []
        var matches: [Int] = []
        for branch in branches {
            var branchFound: [JSONSchemaViolation] = []
            if check(value, branch, path: path, depth: depth, hops: hops + 1, into: &branchFound) {
                matches.append(branch)
                if keyword == "anyOf" { return }
            } else {
                failures.append(branchFound)
            }
        }
        if keyword == "oneOf" && matches.count > 1 {
            let which = matches.map { "'\(nodes[$0].pointer)'" }.joined(separator: " and ")
            found.append(mismatch(path, "oneOf", "a value that matches exactly one schema of oneOf (it matches \(which))", value))
            return
        }
        guard matches.isEmpty else { return }
        let field = SchemaPathLink.render(path)
        if failures.allSatisfy({ $0.count == 1 && $0[0].path == field && $0[0].found != nil }) {
            var expectations: [String] = []
            for failure in failures where !expectations.contains(failure[0].expected) {
                expectations.append(failure[0].expected)
            }
            found.append(mismatch(path, keyword, expectations.joined(separator: " or "), value))
        } else {
            found.append(contentsOf: failures.min { $0.count < $1.count } ?? [])
        }
    }

    // MARK: Violations

    func violation(_ path: UnsafePointer<SchemaPathLink>?, _ keyword: String, expected: String, _ value: JSON,
                   message: String) -> JSONSchemaViolation {
        JSONSchemaViolation(path: SchemaPathLink.render(path), keyword: keyword, expected: expected,
                            found: ArgumentError.describe(value), message: message)
    }

    /// `argument 'p' must be <expected>, got <value>`.
    func mismatch(_ path: UnsafePointer<SchemaPathLink>?, _ keyword: String, _ expected: String,
                  _ value: JSON) -> JSONSchemaViolation {
        let field = SchemaPathLink.render(path)
        let shown = ArgumentError.describe(value)
        return JSONSchemaViolation(path: field, keyword: keyword, expected: expected, found: shown,
                                   message: "\(ArgumentError.subject(field, noun: noun)) must be \(expected), got \(shown)")
    }

    /// `argument 'p' must have at least 2 items, got 1`.
    func count(_ path: UnsafePointer<SchemaPathLink>?, _ keyword: String, _ relation: String, _ limit: Int,
               _ unit: String, _ actual: Int, verb: String, suffix: String) -> JSONSchemaViolation {
        let field = SchemaPathLink.render(path)
        let expected = "\(relation) \(limit) \(unit)\(limit == 1 ? "" : "s")\(suffix)"
        return JSONSchemaViolation(path: field, keyword: keyword, expected: expected, found: "\(actual)",
                                   message: "\(ArgumentError.subject(field, noun: noun)) must \(verb) \(expected), got \(actual)")
    }
}
