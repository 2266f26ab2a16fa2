import NekoABI
@_spi(Neko) import NekoCore
import NekoPlugin

extension PluginHarness {
    /// Calls entry `entry` with `arguments` (encoded as JSON) and decodes its
    /// result, as a host's client call does.
    ///
    /// ```swift
    /// let sum = try await harness.call("add", ["a": 2, "b": 40.5], as: [String: Double].self)
    /// ```
    /// The call gets an id, depth 1 (or `depth`), no caller (a client's call,
    /// or `caller`), and a deadline `timeout` from now if given; inside the
    /// entry, `CallContext.current` says so. Canceling the calling task
    /// cancels the call (the plugin's `cancel`).
    ///
    /// - Throws: the call's error as a `CallError` (code, message, field),
    ///   eg `invalid_argument` for arguments that do not match the entry's
    ///   schema; `not_found` for an unknown entry; `unavailable` after `stop()`.
    public func call<Arguments: Encodable, Result: Decodable>(
        _ entry: String, _ arguments: Arguments, as type: Result.Type = Result.self,
        timeout: Duration? = nil, caller: String? = nil, depth: Int = 1
    ) async throws -> Result {
        let bytes: [UInt8]
        do { bytes = try NekoJSONEncoder().encode(arguments) } catch {
            throw CallError(.invalidArgument, "the arguments cannot be encoded as JSON: \(error)")
        }
        let result = try await callRaw(entry, bytes, timeout: timeout, caller: caller, depth: depth)
        do {
            return try NekoJSONDecoder().decode(Result.self, from: result.isEmpty ? Array("null".utf8) : result)
        } catch {
            throw CallError(.executionFailed, "\(manifest.id):\(entry) returned a result that does not decode as \(Result.self): \(error)")
        }
    }

    /// Calls entry `entry` with no arguments (`{}`) and decodes its result.
    ///
    /// ```swift
    /// let stats = try await harness.call("stats", as: [String: Int].self)
    /// ```
    public func call<Result: Decodable>(
        _ entry: String, as type: Result.Type = Result.self, timeout: Duration? = nil, caller: String? = nil, depth: Int = 1
    ) async throws -> Result {
        try await call(entry, JSON.object([:]), as: Result.self, timeout: timeout, caller: caller, depth: depth)
    }

    /// Calls entry `entry` with the raw bytes of `arguments` (JSON text, not
    /// checked by the harness, as a host passes them on) and returns the raw
    /// bytes of its result (empty: `null`).
    ///
    /// ```swift
    /// let echoed = try await harness.callRaw("echo", Array(#"{"x": 1}"#.utf8))
    /// ```
    public func callRaw(
        _ entry: String, _ arguments: [UInt8], timeout: Duration? = nil, caller: String? = nil, depth: Int = 1
    ) async throws -> [UInt8] {
        guard let index = descriptor.entries.firstIndex(where: { $0.id == entry }) else {
            throw CallError(.notFound, "plugin '\(manifest.id)' has no entry '\(entry)'")
        }
        if let validator = descriptor.entries[index].validator {
            // NEKO_ENTRY_VALIDATE_ARGS: the host checks the arguments before `invoke`.
            let parsed: JSON
            do { parsed = try JSON.parse(arguments.isEmpty ? Array("{}".utf8) : arguments) } catch {
                throw CallError(.invalidArgument, "the arguments are not JSON: \(error)")
            }
            do { try validator.validate(parsed) } catch { throw CallError(.invalidArgument, error.message, field: error.field) }
        }
        let admitted = lock.locked { () -> (instance: UnsafeMutableRawPointer, id: UInt64)? in
            guard state.running, let instance = state.instance else { return nil }
            state.nextCallID += 1
            state.inFlight.insert(state.nextCallID)
            return (instance, state.nextCallID)
        }
        guard let admitted else { throw CallError(.unavailable, "plugin '\(manifest.id)' is not running") }
        let (instance, id) = (InstanceAddress(admitted.instance), admitted.id)
        let deadline = timeout.map { MonotonicClock.now() &+ UInt64(clamping: max($0, .zero).nanoseconds) } ?? 0
        let milliseconds = timeout.map { UInt32(clamping: max($0, .zero).nanoseconds / 1_000_000) } ?? 0
        let call = HarnessCall(
            entry: index, id: id, arguments: arguments, deadline: deadline, timeoutMilliseconds: milliseconds,
            caller: caller, depth: UInt32(clamping: depth)
        ) { [weak self] violation in
            // Weak: the harness keeps its answered calls, and this closure lives in one.
            guard let self else { return }
            lock.locked { state.violations.append(violation) }
        }
        let address = UInt(bitPattern: call.call)
        host.record.withLock { $0.serving[address] = (entry, id) }
        let descriptor = descriptor
        let outcome = await withTaskCancellationHandler {
            await call.run { descriptor.pointer.pointee.invoke?(instance.pointer, $0) }
        } onCancel: {
            descriptor.pointer.pointee.cancel?(instance.pointer, id)
        }
        host.record.withLock { _ = $0.serving.removeValue(forKey: address) }
        lock.locked {
            state.inFlight.remove(id)
            state.answered.append(call)
            lock.broadcast()
        }
        guard outcome.status != Int32(NEKO_OK) else { return outcome.bytes }
        let message = String(decoding: outcome.bytes, as: UTF8.self)
        guard let code = ErrorCode(status: outcome.status) else {
            throw CallError(.internal, "the plugin answered with unknown status \(outcome.status): \(message)")
        }
        throw CallError(code, message, field: outcome.field)
    }

    // MARK: - Settings (the settings extension, as `nekoctl settings` uses it)

    /// The plugin's settings (its `SettingsFile`, `config.json`), as JSON.
    ///
    /// - Throws: `not_found` when the plugin keeps no settings.
    public func settings() throws -> JSON {
        let (table, instance) = try settingsExtension()
        var error = neko_error.empty
        var status = Int32(NEKO_OK)
        let bytes = ByteSink.collect { status = table.pointee.read(instance, $0, &error) }
        guard status == Int32(NEKO_OK) else { throw CallError(ErrorCode(status: status) ?? .internal, error.text) }
        return try JSON.parse(bytes)
    }

    /// Changes the plugin's settings as `nekoctl settings` does: `patch` (a
    /// JSON object of the keys to change) is merged over the settings, the
    /// plugin's change hook runs, and the file is saved; if anything fails,
    /// nothing changes.
    ///
    /// ```swift
    /// try harness.changeSettings(["timeout": 60])
    /// ```
    /// - Throws: the plugin's refusal as a `CallError`.
    public func changeSettings(_ patch: JSON) throws {
        let (table, instance) = try settingsExtension()
        var error = neko_error.empty
        let bytes = patch.serialized()
        let status = bytes.withUnsafeBufferPointer { table.pointee.change(instance, $0.baseAddress, $0.count, &error) }
        guard status == Int32(NEKO_OK) else { throw CallError(ErrorCode(status: status) ?? .internal, error.text) }
    }

    private func settingsExtension() throws -> (UnsafePointer<neko_plugin_config>, UnsafeMutableRawPointer) {
        guard let instance = lock.locked({ state.instance }) else {
            throw CallError(.unavailable, "plugin '\(manifest.id)' is not loaded")
        }
        guard let found = descriptor.pointer.pointee.get_extension?(instance, NEKO_PLUGIN_CONFIG_EXTENSION) else {
            throw CallError(.notFound, "plugin '\(manifest.id)' keeps no settings")
        }
        return (found.assumingMemoryBound(to: neko_plugin_config.self), instance)
    }
}

/// A `void *instance`, carried into a cancellation handler.
struct InstanceAddress: @unchecked Sendable {  // the instance outlives the calls in flight (`stop` waits for them)
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

extension Duration {
    /// The whole nanoseconds of a duration of at least zero, clamped to `UInt64`.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : UInt64(clamping: seconds) * 1_000_000_000 + UInt64(clamping: attoseconds / 1_000_000_000)
    }
}
