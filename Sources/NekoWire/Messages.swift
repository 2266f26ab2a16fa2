import NekoABI
@_spi(Neko) import NekoCore

/// The plugin's descriptor as the worker read it: the payload of `hello`.
/// The host checks it exactly as it checks an in-process descriptor.
package struct DescriptorMessage: Sendable {
    /// One `neko_entry`.
    package struct Entry: Sendable, Equatable {
        package var structSize: UInt32, flags: UInt32
        package var id: String?, name: String?, description: String?, schema: String?
        package var timeoutMilliseconds: UInt32
        /// 1.1 fields: nil and 0 when the plugin's entry does not reach them.
        package var resultSchema: String? = nil, hints: UInt32 = 0
    }

    /// One `neko_timer`.
    package struct Timer: Sendable, Equatable {
        package var structSize: UInt32, flags: UInt32
        package var id: String?
        package var intervalMilliseconds: UInt64
    }

    /// Which optional functions the descriptor has.
    package struct Functions: OptionSet, Sendable, Equatable {
        package let rawValue: UInt32
        package init(rawValue: UInt32) { self.rawValue = rawValue }
        package static let create = Functions(rawValue: 1 << 0)
        package static let start = Functions(rawValue: 1 << 1)
        package static let invoke = Functions(rawValue: 1 << 2)
        package static let cancel = Functions(rawValue: 1 << 3)
        package static let onTimer = Functions(rawValue: 1 << 4)
        package static let stop = Functions(rawValue: 1 << 5)
        package static let destroy = Functions(rawValue: 1 << 6)
        package static let saveState = Functions(rawValue: 1 << 7)
        package static let restoreState = Functions(rawValue: 1 << 8)
        package static let getExtension = Functions(rawValue: 1 << 9)
    }

    package var structSize: UInt32
    package var abi: neko_abi_version
    /// Whether the rest was read: only when the major is this build's and the
    /// descriptor holds every 1.0 field (a descriptor of another major may be
    /// laid out otherwise). The host applies the version rule to the two
    /// fields above either way.
    package var isComplete: Bool
    package var pluginID: String?, version: String?, swiftVersion: String?, sdk: String?
    package var entries: [Entry] = []
    package var timers: [Timer] = []
    package var functions: Functions = []

    /// Reads a descriptor the way the host's checks do: the size and ABI
    /// first, the rest only when they pass, with the entries and timers
    /// walked at the plugin's stride and only the fields this build knows
    /// read. [worker]
    /// - Throws: the entries' or timers' layout problem (the stride rule of
    ///   neko_abi.h), for the worker to refuse the library with.
    package init(reading descriptor: UnsafePointer<neko_plugin>) throws(ArrayLayoutError) {
        let raw = UnsafeRawPointer(descriptor)
        structSize = UInt32(descriptor.structSize)
        abi = raw.load(fromByteOffset: MemoryLayout<neko_plugin>.offset(of: \.abi)!, as: neko_abi_version.self)
        isComplete = abi.major == UInt32(NEKO_ABI_VERSION_MAJOR) && descriptor.isAtLeast1_0
        guard isComplete else { return }
        func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        pluginID = text(descriptor.pointee.plugin_id)
        version = text(descriptor.pointee.plugin_version)
        swiftVersion = text(descriptor.pointee.swift_version)
        sdk = text(descriptor.pointee.sdk)
        let entryList = try DeclaredArray(descriptor.pointee.entries, count: descriptor.pointee.entry_count, kind: "entry")
        entries = (0..<entryList.count).map { position in
            let entry = entryList[position]
            return Entry(
                structSize: entry.pointee.struct_size, flags: entry.pointee.flags, id: text(entry.pointee.id),
                name: text(entry.pointee.name), description: text(entry.pointee.description),
                schema: text(entry.pointee.args_schema), timeoutMilliseconds: entry.pointee.timeout_ms,
                resultSchema: entry.field(\.result_schema).map { String(cString: $0) },
                hints: entry.has(\.hints) ? entry.pointee.hints : 0)
        }
        let timerList = try DeclaredArray(descriptor.pointee.timers, count: descriptor.pointee.timer_count, kind: "timer")
        timers = (0..<timerList.count).map { position in
            let timer = timerList[position]
            return Timer(
                structSize: timer.pointee.struct_size, flags: timer.pointee.flags, id: text(timer.pointee.id),
                intervalMilliseconds: timer.pointee.interval_ms)
        }
        entryCount = descriptor.pointee.entry_count
        timerCount = descriptor.pointee.timer_count
        var functions: Functions = []
        if descriptor.pointee.create != nil { functions.insert(.create) }
        if descriptor.pointee.start != nil { functions.insert(.start) }
        if descriptor.pointee.invoke != nil { functions.insert(.invoke) }
        if descriptor.pointee.cancel != nil { functions.insert(.cancel) }
        if descriptor.pointee.on_timer != nil { functions.insert(.onTimer) }
        if descriptor.pointee.stop != nil { functions.insert(.stop) }
        if descriptor.pointee.destroy != nil { functions.insert(.destroy) }
        if descriptor.pointee.save_state != nil { functions.insert(.saveState) }
        if descriptor.pointee.restore_state != nil { functions.insert(.restoreState) }
        if descriptor.pointee.get_extension != nil { functions.insert(.getExtension) }
        self.functions = functions
    }

    /// The counts as declared (a NULL list with a count is the host's to refuse).
    package var entryCount: UInt32 = 0
    package var timerCount: UInt32 = 0

    /// The `hello` frame.
    package func frame() -> [UInt8] {
        var writer = WireWriter(.hello, id: 0, capacity: 512)
        writer.append(structSize)
        writer.append(abi.major)
        writer.append(abi.minor)
        writer.append(UInt8(isComplete ? 1 : 0))
        guard isComplete else { return writer.finish() }
        for text in [pluginID, version, swiftVersion, sdk] { writer.append(text) }
        writer.append(functions.rawValue)
        writer.append(entryCount)
        writer.append(UInt32(entries.count))
        for entry in entries {
            writer.append(entry.structSize)
            writer.append(entry.flags)
            for text in [entry.id, entry.name, entry.description, entry.schema] { writer.append(text) }
            writer.append(entry.timeoutMilliseconds)
            writer.append(entry.resultSchema)
            writer.append(entry.hints)
        }
        writer.append(timerCount)
        writer.append(UInt32(timers.count))
        for timer in timers {
            writer.append(timer.structSize)
            writer.append(timer.flags)
            writer.append(timer.id)
            writer.append(timer.intervalMilliseconds)
        }
        return writer.finish()
    }

    /// Decodes the payload of a `hello` frame. [host]
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        structSize = try reader.uint32("hello.struct_size")
        abi = neko_abi_version(major: try reader.uint32("hello.abi.major"), minor: try reader.uint32("hello.abi.minor"))
        isComplete = try reader.byte("hello.complete") == 1
        guard isComplete else {
            try reader.expectEnd("hello")
            return
        }
        pluginID = try reader.string("hello.plugin_id")
        version = try reader.string("hello.plugin_version")
        swiftVersion = try reader.string("hello.swift_version")
        sdk = try reader.string("hello.sdk")
        functions = Functions(rawValue: try reader.uint32("hello.functions"))
        entryCount = try reader.uint32("hello.entry_count")
        let entryTotal = try reader.count("hello.entries", minimumSize: 36)
        guard entryTotal == 0 || entryTotal == Int(entryCount) else {
            throw .malformed("hello: entry_count is \(entryCount) but \(entryTotal) entries follow")
        }
        for _ in 0..<entryTotal {
            entries.append(Entry(
                structSize: try reader.uint32("entry.struct_size"), flags: try reader.uint32("entry.flags"),
                id: try reader.string("entry.id"), name: try reader.string("entry.name"),
                description: try reader.string("entry.description"), schema: try reader.string("entry.args_schema"),
                timeoutMilliseconds: try reader.uint32("entry.timeout_ms"),
                resultSchema: try reader.string("entry.result_schema"), hints: try reader.uint32("entry.hints")))
        }
        timerCount = try reader.uint32("hello.timer_count")
        let timerTotal = try reader.count("hello.timers", minimumSize: 20)
        guard timerTotal == 0 || timerTotal == Int(timerCount) else {
            throw .malformed("hello: timer_count is \(timerCount) but \(timerTotal) timers follow")
        }
        for _ in 0..<timerTotal {
            timers.append(Timer(
                structSize: try reader.uint32("timer.struct_size"), flags: try reader.uint32("timer.flags"),
                id: try reader.string("timer.id"), intervalMilliseconds: try reader.uint64("timer.interval_ms")))
        }
        try reader.expectEnd("hello")
    }
}

/// What the worker needs to build the plugin's host table: the payload of `create`.
package struct CreateMessage: Sendable, Equatable {
    package var hostName: String, pluginID: String, pluginFolder: String, dataFolder: String
    package var config: [UInt8]

    package init(hostName: String, pluginID: String, pluginFolder: String, dataFolder: String, config: [UInt8]) {
        self.hostName = hostName
        self.pluginID = pluginID
        self.pluginFolder = pluginFolder
        self.dataFolder = dataFolder
        self.config = config
    }

    /// The `create` frame.
    package func frame(id: UInt64) -> [UInt8] {
        var writer = WireWriter(.create, id: id, capacity: 256 + config.count)
        for text in [hostName, pluginID, pluginFolder, dataFolder] { writer.append(text) }
        writer.append(bytes: config)
        return writer.finish()
    }

    /// Decodes a `create` payload. [worker]
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        hostName = try reader.requiredString("create.host_name")
        pluginID = try reader.requiredString("create.plugin_id")
        pluginFolder = try reader.requiredString("create.plugin_dir")
        dataFolder = try reader.requiredString("create.data_dir")
        config = Array(try reader.bytes("create.config_json"))
        try reader.expectEnd("create")
    }
}

/// The payload of a `reply`: a status, the failing field, and bytes (the
/// result's JSON, an error message, saved state...).
package struct ReplyMessage {
    package var status: neko_status
    package var field: String?
    /// Borrowed from the frame.
    package var data: UnsafeRawBufferPointer

    /// A `reply` frame.
    package static func frame(id: UInt64, status: neko_status, field: UnsafePointer<CChar>? = nil, data: UnsafeRawBufferPointer) -> [UInt8] {
        var writer = WireWriter(.reply, id: id, capacity: Frame.headerSize + 12 + data.count)
        writer.append(status)
        writer.append(cString: field)
        writer.append(bytes: data)
        return writer.finish()
    }

    /// A `reply` frame for a plugin's `neko_result` (borrowed). A missing
    /// result, one shorter than 1.0, NULL data with a length, or a result too large for a frame
    /// becomes an `internal` error saying so.
    package static func frame(id: UInt64, result: UnsafePointer<neko_result>?) -> [UInt8] {
        guard let result else {
            return frame(id: id, status: Int32(NEKO_ERR_INTERNAL), text: "the plugin completed a call without a result")
        }
        guard result.isAtLeast1_0 else {
            return frame(id: id, status: Int32(NEKO_ERR_INTERNAL), text: "the plugin completed with \(neko_result.tooShort(result.structSize))")
        }
        let (status, data, length) = (result.pointee.status, result.pointee.data, result.pointee.len)
        guard data != nil || length == 0 else {
            return frame(id: id, status: Int32(NEKO_ERR_INTERNAL), text: "the plugin completed with data NULL and len \(length)")
        }
        guard Frame.fits(payload: length) else {
            return frame(id: id, status: Int32(NEKO_ERR_INTERNAL), text: "the result of \(length) bytes exceeds the \(Frame.maximumLength >> 20) MiB frame limit of isolated plugins")
        }
        return frame(
            id: id, status: status, field: status == Int32(NEKO_OK) ? nil : result.pointee.field,
            data: UnsafeRawBufferPointer(start: data, count: length))
    }

    /// A `reply` frame with a text.
    package static func frame(id: UInt64, status: neko_status, text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { frame(id: id, status: status, data: UnsafeRawBufferPointer($0)) }
    }

    /// Decodes a `reply` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        status = try reader.int32("reply.status")
        field = try reader.string("reply.field")
        data = try reader.bytes("reply.data")
        try reader.expectEnd("reply")
    }

    /// The data as text (an error message).
    package var text: String { String(decoding: data, as: UTF8.self) }
}

/// The payload of `invoke` (host to worker) and of `call` (worker to host,
/// with the target's ids).
///
/// Both carry the call's context (ABI 1.1): an `invoke` its deadline, depth,
/// caller and whether anyone listens to its progress, so that a plugin in a
/// worker reads the same `neko_call` as in-process; a `call` the plugin's
/// wished deadline and the host request id of the call it serves (its
/// `parent`), for the host to inherit the deadline and count the depth.
package struct CallMessage {
    /// Bits of an `invoke`'s flags.
    package struct Flags: OptionSet, Sendable, Equatable {
        package let rawValue: UInt32
        package init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Someone listens to the call's progress: the worker sends the
        /// plugin's `neko_host.progress` reports (else it drops them).
        package static let progress = Flags(rawValue: 1 << 0)
    }

    package var entryIndex: UInt32
    package var callID: UInt64
    package var timeoutMilliseconds: UInt32
    /// When the caller stops waiting: absolute CLOCK_MONOTONIC ns (the same
    /// in both processes), 0: none. In a `call`: the plugin's own wish.
    package var deadline: UInt64 = 0
    /// How deep in a chain of calls (`invoke` only; 1: a client's call).
    package var depth: UInt32 = 1
    /// `invoke` only.
    package var flags: Flags = []
    /// The calling plugin's id, borrowed from the frame, NUL-free; nil: a
    /// client (`invoke` only).
    package var caller: UnsafeRawBufferPointer?
    /// The host's request id of the `invoke` the plugin serves while it
    /// makes this call, 0: none (`call` only).
    package var parentRequest: UInt64 = 0
    /// The target of a plugin's call (`call` frames only).
    package var plugin: String?, entry: String?
    /// Borrowed from the frame.
    package var arguments: UnsafeRawBufferPointer

    /// An `invoke` frame.
    package static func invokeFrame(
        id: UInt64, entryIndex: UInt32, callID: UInt64, timeoutMilliseconds: UInt32, deadline: UInt64 = 0, depth: UInt32 = 1,
        flags: Flags = [], caller: UnsafePointer<CChar>? = nil, arguments: UnsafeRawBufferPointer
    ) -> [UInt8] {
        var writer = WireWriter(.invoke, id: id, capacity: Frame.headerSize + 48 + arguments.count)
        writer.append(entryIndex)
        writer.append(callID)
        writer.append(timeoutMilliseconds)
        writer.append(deadline)
        writer.append(depth)
        writer.append(flags.rawValue)
        writer.append(cString: caller)
        writer.append(bytes: arguments)
        return writer.finish()
    }

    /// An `invoke` frame for a host's `call` (its 1.1 context read only
    /// where its `struct_size` reaches).
    package static func invokeFrame(id: UInt64, call: UnsafePointer<neko_call>, flags: Flags) -> [UInt8] {
        let context = call.has(\.depth)
        return invokeFrame(
            id: id, entryIndex: call.pointee.entry_index, callID: call.pointee.call_id, timeoutMilliseconds: call.pointee.timeout_ms,
            deadline: context ? call.pointee.deadline_ns : 0, depth: context ? call.pointee.depth : 1, flags: flags,
            caller: context ? call.pointee.caller : nil,
            arguments: UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len))
    }

    /// A `call` frame.
    package static func callFrame(
        id: UInt64, plugin: UnsafePointer<CChar>?, entry: UnsafePointer<CChar>?, timeoutMilliseconds: UInt32, deadline: UInt64 = 0,
        parentRequest: UInt64 = 0, arguments: UnsafeRawBufferPointer
    ) -> [UInt8] {
        var writer = WireWriter(.call, id: id, capacity: 80 + arguments.count)
        writer.append(cString: plugin)
        writer.append(cString: entry)
        writer.append(timeoutMilliseconds)
        writer.append(deadline)
        writer.append(parentRequest)
        writer.append(bytes: arguments)
        return writer.finish()
    }

    /// Decodes an `invoke` payload.
    package init(invoke payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        entryIndex = try reader.uint32("invoke.entry_index")
        callID = try reader.uint64("invoke.call_id")
        timeoutMilliseconds = try reader.uint32("invoke.timeout_ms")
        deadline = try reader.uint64("invoke.deadline_ns")
        depth = try reader.uint32("invoke.depth")
        flags = Flags(rawValue: try reader.uint32("invoke.flags"))
        caller = try reader.cStringBytes("invoke.caller")
        arguments = try reader.bytes("invoke.args")
        try reader.expectEnd("invoke")
    }

    /// Decodes a `call` payload.
    package init(call payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        plugin = try reader.string("call.plugin_id") ?? ""
        entry = try reader.string("call.entry_id") ?? ""
        timeoutMilliseconds = try reader.uint32("call.timeout_ms")
        deadline = try reader.uint64("call.deadline_ns")
        parentRequest = try reader.uint64("call.parent")
        arguments = try reader.bytes("call.args")
        entryIndex = 0
        callID = 0
        try reader.expectEnd("call")
    }
}

/// The payload of `progress` (worker to host; the frame's id is the host's
/// request id of the `invoke` whose call progresses): `neko_host.progress`
/// of a plugin in a worker. No reply.
package struct ProgressMessage {
    /// How much is done, eg 3.
    package var done: Double
    /// Out of how much, eg 10; 0 or less: unknown.
    package var total: Double
    /// What the plugin says (UTF-8 as the plugin wrote it), borrowed from the frame.
    package var message: UnsafeRawBufferPointer

    /// The longest message a report carries; a longer one is cut.
    package static let maximumMessage = 4096

    /// A `progress` frame; `message` is cut to `maximumMessage` bytes.
    package static func frame(request: UInt64, done: Double, total: Double, message: UnsafeRawBufferPointer) -> [UInt8] {
        let kept = UnsafeRawBufferPointer(rebasing: message.prefix(maximumMessage))
        var writer = WireWriter(.progress, id: request, capacity: Frame.headerSize + 20 + kept.count)
        writer.append(done.bitPattern)
        writer.append(total.bitPattern)
        writer.append(bytes: kept)
        return writer.finish()
    }

    /// Decodes a `progress` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        done = Double(bitPattern: try reader.uint64("progress.done"))
        total = Double(bitPattern: try reader.uint64("progress.total"))
        message = try reader.bytes("progress.message")
        guard message.count <= Self.maximumMessage else {
            throw .malformed("progress.message: \(message.count) bytes, more than \(Self.maximumMessage)")
        }
        try reader.expectEnd("progress")
    }

    /// The report as the host hands it to a listener: a done that is not a
    /// number becomes 0, a total that is not positive (or not finite) unknown,
    /// the message decoded as UTF-8 (invalid bytes replaced).
    package var report: CallProgress {
        CallProgress(
            done: done.isFinite ? done : 0, total: total > 0 && total.isFinite ? total : nil,
            message: String(decoding: message, as: UTF8.self))
    }
}

/// The payload of `emit`: a topic and a JSON payload.
package struct EmitMessage {
    package var topic: String
    /// Borrowed from the frame.
    package var payload: UnsafeRawBufferPointer

    /// An `emit` frame.
    package static func frame(id: UInt64, topic: UnsafePointer<CChar>?, payload: UnsafeRawBufferPointer) -> [UInt8] {
        var writer = WireWriter(.emit, id: id, capacity: 64 + payload.count)
        writer.append(cString: topic)
        writer.append(bytes: payload)
        return writer.finish()
    }

    /// Decodes an `emit` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        topic = try reader.string("emit.topic") ?? ""
        self.payload = try reader.bytes("emit.payload")
        try reader.expectEnd("emit")
    }
}

/// The payload of `log`: a level and a line.
package struct LogMessage {
    package var level: neko_log_level
    /// Borrowed from the frame.
    package var text: UnsafeRawBufferPointer

    /// A `log` frame.
    package static func frame(level: neko_log_level, text: UnsafeRawBufferPointer) -> [UInt8] {
        var writer = WireWriter(.log, id: 0, capacity: 32 + text.count)
        writer.append(level)
        writer.append(bytes: text)
        return writer.finish()
    }

    /// Decodes a `log` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        level = try reader.int32("log.level")
        text = try reader.bytes("log.text")
        try reader.expectEnd("log")
    }
}

/// The payload of `refused`: the worker could not bring the library up.
package struct RefusedMessage: Error, Sendable, Equatable {
    /// Where it failed: `open` (dlopen, the symbol) or `register`.
    package var phase: String
    /// What failed and why.
    package var message: String

    package init(phase: String, message: String) {
        self.phase = phase
        self.message = message
    }

    /// The `refused` frame.
    package func frame() -> [UInt8] {
        var writer = WireWriter(.refused, id: 0)
        writer.append(phase)
        writer.append(message)
        return writer.finish()
    }

    /// Decodes a `refused` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        phase = try reader.requiredString("refused.phase")
        message = try reader.requiredString("refused.message")
        try reader.expectEnd("refused")
    }
}

/// A frame whose payload is one `UInt32` (`tick`) or nothing.
package enum SmallFrame {
    /// A frame of `kind` with a `UInt32` payload.
    package static func make(_ kind: FrameKind, id: UInt64, value: UInt32) -> [UInt8] {
        var writer = WireWriter(kind, id: id)
        writer.append(value)
        return writer.finish()
    }

    /// A frame of `kind` with raw bytes as its payload (`restoreState`,
    /// `changeSettings`) or none.
    package static func make(_ kind: FrameKind, id: UInt64, bytes: UnsafeRawBufferPointer? = nil) -> [UInt8] {
        var writer = WireWriter(kind, id: id, capacity: Frame.headerSize + 4 + (bytes?.count ?? 0))
        if let bytes { writer.append(bytes: bytes) }
        return writer.finish()
    }

    /// Reads the `UInt32` payload of a frame.
    package static func value(_ payload: UnsafeRawBufferPointer, _ what: String) throws(WireError) -> UInt32 {
        var reader = WireReader(payload)
        let value = try reader.uint32(what)
        try reader.expectEnd(what)
        return value
    }

    /// Reads the raw-bytes payload of a frame.
    package static func bytes(_ payload: UnsafeRawBufferPointer, _ what: String) throws(WireError) -> UnsafeRawBufferPointer {
        var reader = WireReader(payload)
        let bytes = try reader.bytes(what)
        try reader.expectEnd(what)
        return bytes
    }
}
