import Foundation
import Testing

/// docs/SDK.md cannot rot: every ```swift block in it appears, line for line
/// (indented as a whole or not), in a Swift file of this test target, which
/// the test suite compiles (and whose tests run). A block that is edited in
/// the docs but not here, or here but not in the docs, fails this test,
/// naming the block.
@Suite struct DocBlocksTests {
    /// This folder: the Swift files the blocks must appear in.
    static let folder = URL(filePath: #filePath).deletingLastPathComponent()
    static let guide = folder.appending(path: "../../docs/SDK.md").standardized

    /// The ```swift blocks of `markdown`, each with the line it starts on.
    static func swiftBlocks(_ markdown: String) -> [(line: Int, text: [String])] {
        var blocks: [(Int, [String])] = []
        var current: (Int, [String])?
        for (number, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if var block = current {
                if line.trimmingCharacters(in: .whitespaces) == "```" {
                    blocks.append(block)
                    current = nil
                } else {
                    block.1.append(String(line))
                    current = block
                }
            } else if line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = (number + 1, [])
            }
        }
        return blocks
    }

    /// Whether `block` appears in `lines`, each of its lines indented by the same prefix (blank lines stay blank).
    static func contains(_ lines: [String], _ block: [String]) -> Bool {
        guard let first = block.first, !block.isEmpty, lines.count >= block.count else { return false }
        for start in 0...(lines.count - block.count) where lines[start].hasSuffix(first) {
            let indent = String(lines[start].dropLast(first.count))
            guard indent.allSatisfy({ $0 == " " }) else { continue }
            if block.indices.allSatisfy({ offset in
                let expected = block[offset].isEmpty ? "" : indent + block[offset]
                return lines[start + offset] == expected
            }) { return true }
        }
        return false
    }

    @Test func everySwiftBlockOfTheGuideIsCompiledHere() throws {
        let markdown = try String(contentsOf: Self.guide, encoding: .utf8)
        let blocks = Self.swiftBlocks(markdown)
        #expect(blocks.count >= 20, "docs/SDK.md has \(blocks.count) swift blocks")
        let files = try FileManager.default.contentsOfDirectory(at: Self.folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" }
        let sources = try files.map { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        for block in blocks where !sources.contains(where: { Self.contains($0, block.text) }) {
            Issue.record("docs/SDK.md:\(block.line): this swift block is in no file of Tests/SDKDocExamples, so it is not compiled:\n\(block.text.joined(separator: "\n"))")
        }
    }

    @Test func theCheckFindsABlockAndMissesAChangedOne() {
        let file = ["struct A {", "    func f() {", "        let x = 1", "", "        print(x)", "    }", "}"]
        #expect(Self.contains(file, ["let x = 1", "", "print(x)"]))
        #expect(!Self.contains(file, ["let x = 2", "", "print(x)"]))
        #expect(!Self.contains(file, ["let x = 1", "print(x)"]), "a missing blank line is a change")
        #expect(Self.swiftBlocks("a\n```swift\nlet a = 1\n```\n```sh\nls\n```\n").map(\.text) == [["let a = 1"]])
    }
}
