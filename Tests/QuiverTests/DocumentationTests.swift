import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Swift code in README.md and docs/guide.md is the code the tests compile and run: every
/// ```swift block there must appear, line for line, between `… example start` and `… example end`
/// markers of a test file of this target.
@Suite struct DocumentationTests {
    private static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    private static func read(_ relative: String) -> String? {
        guard let file = fopen(root + "/" + relative, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The ```swift blocks of a Markdown text, each as its lines with common indentation removed.
    static func swiftBlocks(_ markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line.trimmingLeadingSpaces() == "```swift" {
                current = []
            } else if current != nil, line.trimmingLeadingSpaces() == "```" {
                blocks.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The marked regions of the test sources, each as its lines without the indentation of the marker.
    static func markedRegions(in source: String) -> [[String]] {
        var regions: [[String]] = []
        var current: [String]?
        var indent = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingLeadingSpaces()
            if trimmed.hasPrefix("// "), trimmed.hasSuffix("example start") {
                current = []
                indent = line.count - trimmed.count
            } else if trimmed.hasPrefix("// "), trimmed.hasSuffix("example end"), let region = current {
                regions.append(region)
                current = nil
            } else if current != nil {
                current!.append(String(line.dropFirst(min(indent, line.count - line.trimmingLeadingSpaces().count))))
            }
        }
        return regions
    }

    @Test(arguments: ["README.md", "docs/guide.md"])
    func everySwiftBlockIsCompiledByATest(document: String) throws {
        let markdown = try #require(Self.read(document), "\(document) is missing")
        let sources = [
            "Tests/QuiverTests/ReadmeExampleTests.swift", "Tests/QuiverTests/GuideTests.swift",
            "Tests/QuiverIndexTests/ReadmeExampleTests.swift",
        ]
        let regions = sources.compactMap(Self.read).flatMap(Self.markedRegions)
        let blocks = Self.swiftBlocks(markdown)
        #expect(!blocks.isEmpty, "\(document) has no Swift example")
        for block in blocks {
            // A block's imports are the test file's, not part of the marked region.
            let body = Array(block.drop { $0.hasPrefix("import ") || $0.isEmpty })
            #expect(regions.contains(body), "this block of \(document) is not a test's code:\n\(body.joined(separator: "\n"))")
        }
    }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " }) }
}
