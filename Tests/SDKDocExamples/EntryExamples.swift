import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "The plugin type", "Entries" and "Errors".

final class Notes: Plugin {
    static let version: String? = "1.2.0"

    static let entries: [Entry<Notes>] = [
        Entry("add", description: "Adds a note.", hints: [.destructive], Notes.add),
        Entry("fetch", description: "Fetches a page.", timeout: .seconds(5), Notes.fetch),
        Entry("count", description: "How many notes.", hints: [.readOnly, .idempotent], Notes.count),
        Entry("log", description: "Logs its arguments.", unknownKeys: .ignored, Notes.log),
        Entry("echo", description: "Returns its arguments.", raw: { _, arguments in Array(arguments) }),
        Entry("tag", schema: #"{"type": "object", "properties": {"tag": {"type": "string", "maxLength": 20}}, "required": ["tag"]}"#,
              resultSchema: #"{"type": "boolean"}"#, Notes.tag),
    ]

    struct Note: Codable { var text: String }
    struct Page: Codable { var url: String }
    struct Tag: Codable { var tag: String }
    struct Nothing: Codable {}

    private let notes = Mutex<[String]>([])
    private let context: PluginContext

    init(context: PluginContext) throws {
        self.context = context
    }

    func startup() async throws {
        context.logger.info("notes is up")
    }

    func shutdown() async {
        context.logger.info("notes is down")
    }

    func add(_ note: Note) throws -> [String: Int] {
        guard !note.text.isEmpty else { throw CallError.invalidArgument("text", "must not be empty") }
        let count = notes.withLock { notes in
            notes.append(note.text)
            return notes.count
        }
        return ["count": count]
    }

    func fetch(_ page: Page) async throws -> String {
        guard page.url.hasPrefix("https://") else { throw CallError(.invalidArgument, "only https is fetched", field: "url") }
        await Task.yield()  // stands for real I/O: the entry suspends here
        return "<html>\(page.url)</html>"
    }

    func count() -> Int {
        notes.withLock { $0.count }
    }

    func log(_ nothing: Nothing) -> Bool {
        true
    }

    func tag(_ tag: Tag) -> Bool {
        true
    }
}

@Suite struct EntryExamples {
    @Test func entriesDescribeThemselves() {
        let add = Notes.entries[0]
        #expect(add.id == "add" && add.name == "add" && add.description == "Adds a note.")
        #expect(add.hints == [.destructive] && !add.isAsync && add.timeout == nil)
        #expect(add.schema["required"] == ["text"])
        #expect(Notes.entries[1].isAsync && Notes.entries[1].timeout == .seconds(5))
        #expect(Notes.entries[5].resultSchema == ["type": "boolean"])
    }

    @Test func entriesAnswerThroughTheHarness() async throws {
        let harness = try PluginHarness(Notes.self, manifest: HarnessManifest(id: "notes", version: "1.2.0"))
        #expect(try await harness.call("add", ["text": "milk"] as JSON, as: [String: Int].self) == ["count": 1])
        #expect(try await harness.call("count", as: Int.self) == 1)
        #expect(try await harness.call("log", ["anything": 1] as JSON, as: Bool.self))
        #expect(try await harness.call("fetch", ["url": "https://example.com"] as JSON, as: String.self) == "<html>https://example.com</html>")
        let long = await #expect(throws: CallError.self) { try await harness.call("tag", Notes.Tag(tag: String(repeating: "x", count: 21)), as: Bool.self) }
        #expect(long?.field == "tag")
        let http = await #expect(throws: CallError.self) { try await harness.call("fetch", ["url": "http://example.com"] as JSON, as: String.self) }
        #expect(http == CallError(.invalidArgument, "only https is fetched", field: "url"))
        harness.stop()
        #expect(harness.logs.map(\.message) == ["notes is up", "notes is down"])
    }

    @Test func errorsCarryACodeAMessageAndAField() {
        let error = CallError.invalidArgument("text", "must not be empty")
        #expect(error.code == .invalidArgument)
        #expect(error.field == "text")
        #expect(CallError.notFound("no note 7").code == .notFound)
        #expect(CallError.executionFailed("the disk is full").code == .executionFailed)
        #expect(CallError(.unavailable, "try again later").description.contains("try again later"))
    }
}
