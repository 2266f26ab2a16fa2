import NekoCore

/// One entry of a plugin: what the host calls by id, with a JSON object of
/// arguments, and what comes back.
///
/// Declare each entry next to the method it runs. The arguments are a
/// `Decodable` type; their JSON Schema is derived from it (or given), and the
/// SDK validates every call against it before your method runs, answering
/// `invalid_argument` naming every field at fault (the first one is the
/// error's `field`). A key that the arguments type does not read is refused
/// (`unexpected argument 'colour' (did you mean 'color'?)`); an entry that
/// takes free-form extras says `unknownKeys: .ignored`:
///
/// ```swift
/// static let entries: [Entry<Greeter>] = [
///     Entry("greet", description: "Says hello.", Greeter.greet),          // (Who) throws -> Greeting
///     Entry("fetch", description: "Fetches a page.", Greeter.fetch),      // (URLArgs) async throws -> Page
///     Entry("ping", description: "Answers pong.", Greeter.ping),          // () -> String
///     Entry("log", unknownKeys: .ignored, Greeter.log),                   // extra keys are skipped
///     Entry("count", hints: [.readOnly, .idempotent], Greeter.count),     // what it promises (ABI 1.1)
/// ]
/// ```
///
/// The JSON Schema of the result is derived from the result type too (when
/// it is `Decodable`), or given with `resultSchema:`. Inside the method,
/// ``CallContext/current`` is the call's context: its deadline, caller and
/// depth, and `progress(done:total:message:)`.
public struct Entry<P: Plugin>: Sendable {
    /// The id callers use, eg `"greet"`.
    public let id: String
    /// A name for people, eg `"Greet"`.
    public let name: String
    /// What the entry does, in a sentence.
    public let description: String
    /// The JSON Schema of the arguments object.
    public let schema: JSON
    /// The JSON Schema of the result, eg `{"type":"object","properties":{"greeting":{"type":"string"}}}`;
    /// nil when it is not known (a result type that is not `Decodable`, a raw entry that declares none).
    public let resultSchema: JSON?
    /// What the entry promises about its effects, eg `[.readOnly, .idempotent]`.
    public let hints: EntryHints
    /// Whether the entry completes after `invoke` returns (it is `async`).
    public let isAsync: Bool
    /// The entry's own deadline; `nil` leaves it to the host's default.
    public let timeout: Duration?

    /// What is wrong with the declaration (eg a declared schema that is not
    /// JSON); a plugin with such an entry refuses to start, saying this.
    @usableFromInline let problem: String?
    /// Runs the entry: decodes `arguments`, calls the method, completes `call`.
    @usableFromInline let run: @Sendable (P, UnsafeRawBufferPointer, CallCompletion) -> Void

    @usableFromInline init(
        id: String, name: String?, description: String, schema: JSON, result: ResultSchema, hints: EntryHints,
        isAsync: Bool, timeout: Duration?, problem: String? = nil,
        run: @escaping @Sendable (P, UnsafeRawBufferPointer, CallCompletion) -> Void
    ) {
        self.problem = problem ?? result.problem(entry: id)
        self.id = id
        self.name = name ?? id
        self.description = description
        self.schema = schema
        self.resultSchema = result.schema
        self.hints = hints
        self.isAsync = isAsync
        self.timeout = timeout
        self.run = run
    }
}

// MARK: - Typed entries

extension Entry {
    /// An entry that takes `Arguments` and returns `Result`, synchronously.
    ///
    /// - Parameters:
    ///   - id: the id callers use, eg `"greet"`.
    ///   - name: a name for people; defaults to the id.
    ///   - description: what the entry does.
    ///   - schema: the JSON Schema of the arguments, as JSON text; by default
    ///     it is derived from `Arguments`.
    ///   - unknownKeys: whether argument keys that `Arguments` does not read
    ///     are refused (the default) or ignored. A declared `schema` decides
    ///     this itself, with `additionalProperties`.
    ///   - resultSchema: the JSON Schema of the result, as JSON text; by
    ///     default it is derived from `Result` (when `Result` is also
    ///     `Decodable`; otherwise none is said).
    ///   - hints: what the entry promises about its effects, eg
    ///     `[.readOnly, .idempotent]`; none by default.
    ///   - timeout: the entry's own deadline.
    ///   - body: the method, eg `Greeter.greet`. ``CallContext/current`` is its call's context.
    @inlinable
    public init<Arguments: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ id: String, name: String? = nil, description: String = "", schema: String? = nil,
        resultSchema: String? = nil, unknownKeys: UnknownKeys = .refused, hints: EntryHints = [], timeout: Duration? = nil,
        _ body: @escaping @Sendable (P) -> (Arguments) throws -> Result
    ) {
        let arguments = ArgumentReader<Arguments>(entry: id, schema: schema, unknownKeys: unknownKeys)
        self.init(
            id: id, name: name, description: description, schema: arguments.schema,
            result: ResultSchema(Result.self, declared: resultSchema), hints: hints,
            isAsync: false, timeout: timeout, problem: arguments.problem
        ) { plugin, bytes, completion in
            let value: Arguments
            do { value = try arguments.read(bytes) } catch { return completion.fail(error) }
            // The context is this thread's serving call (`Instance.invoke`): nothing to bind.
            do { completion.succeed(try body(plugin)(value)) } catch { completion.fail(error) }
        }
    }

    /// An entry that takes `Arguments` and returns `Result`, asynchronously:
    /// it can do I/O without holding up the host's other calls.
    ///
    /// The parameters are those of the synchronous form. The arguments are
    /// validated before the task starts; a canceled call sees
    /// `Task.isCancelled` and `CancellationError`.
    @inlinable
    public init<Arguments: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ id: String, name: String? = nil, description: String = "", schema: String? = nil,
        resultSchema: String? = nil, unknownKeys: UnknownKeys = .refused, hints: EntryHints = [], timeout: Duration? = nil,
        _ body: @escaping @Sendable (P) -> (Arguments) async throws -> Result
    ) {
        let arguments = ArgumentReader<Arguments>(entry: id, schema: schema, unknownKeys: unknownKeys)
        self.init(
            id: id, name: name, description: description, schema: arguments.schema,
            result: ResultSchema(Result.self, declared: resultSchema), hints: hints,
            isAsync: true, timeout: timeout, problem: arguments.problem
        ) { plugin, bytes, completion in
            let value: Arguments
            do { value = try arguments.read(bytes) } catch { return completion.fail(error) }
            // The task may outlive `invoke`: its context holds the call through a scope.
            let (completion, context) = completion.scoped()
            completion.runTask {
                do {
                    let result = try await CallContext.serving(context) { try await body(plugin)(value) }
                    completion.succeed(result)
                } catch { completion.fail(error) }
            }
        }
    }

    /// An entry with no arguments that returns `Result`, synchronously. Any
    /// argument key is refused, unless `unknownKeys` is `.ignored`.
    @inlinable
    public init<Result: Encodable & SendableMetatype>(
        _ id: String, name: String? = nil, description: String = "", resultSchema: String? = nil,
        unknownKeys: UnknownKeys = .refused, hints: EntryHints = [], timeout: Duration? = nil,
        _ body: @escaping @Sendable (P) -> () throws -> Result
    ) {
        self.init(
            id, name: name, description: description, resultSchema: resultSchema, unknownKeys: unknownKeys, hints: hints, timeout: timeout
        ) { (plugin: P) in
            { (_: NoArguments) in try body(plugin)() }
        }
    }

    /// An entry with no arguments that returns `Result`, asynchronously.
    @inlinable
    public init<Result: Encodable & SendableMetatype>(
        _ id: String, name: String? = nil, description: String = "", resultSchema: String? = nil,
        unknownKeys: UnknownKeys = .refused, hints: EntryHints = [], timeout: Duration? = nil,
        _ body: @escaping @Sendable (P) -> () async throws -> Result
    ) {
        self.init(
            id, name: name, description: description, resultSchema: resultSchema, unknownKeys: unknownKeys, hints: hints, timeout: timeout
        ) { (plugin: P) in
            { (_: NoArguments) in try await body(plugin)() }
        }
    }

    /// An entry that works on the raw JSON bytes of its arguments and returns
    /// the raw JSON bytes of its result (empty: `null`). Nothing is decoded or
    /// validated for you: this is the fastest path, for entries that pass data
    /// through or parse it themselves. `resultSchema` (JSON text) says what
    /// the result is, if you want callers to know; `hints` what the entry
    /// promises about its effects.
    public init(
        _ id: String, name: String? = nil, description: String = "", schema: String? = nil,
        resultSchema: String? = nil, hints: EntryHints = [],
        raw body: @escaping @Sendable (P, UnsafeRawBufferPointer) throws -> [UInt8]
    ) {
        var declared: JSON = ["type": "object"]
        var problem: String?
        if let schema {
            do {
                declared = try JSON.parse(schema)
                _ = try JSONSchemaValidator(declared)
            } catch let error as JSONSchemaError {
                problem = "entry '\(id)': the arguments schema is invalid: \(error)"
            } catch {
                problem = "entry '\(id)': the declared schema is not valid JSON: \(error)"
            }
        }
        self.init(
            id: id, name: name, description: description, schema: declared, result: ResultSchema(declared: resultSchema), hints: hints,
            isAsync: false, timeout: nil, problem: problem
        ) {
            plugin, bytes, completion in
            do { completion.succeedRaw(try body(plugin, bytes)) } catch { completion.fail(error) }
        }
    }
}

/// The arguments of an entry that takes none: the empty object (or any
/// object, with `unknownKeys: .ignored`).
@usableFromInline struct NoArguments: Decodable, Sendable {}
