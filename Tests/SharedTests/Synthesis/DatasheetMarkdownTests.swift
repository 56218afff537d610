import Foundation
import Testing
@testable import Shared

@Suite("The Markdown datasheet's tables and lists")
struct DatasheetMarkdownTests {
    @Test("categories holding commas, quotes, pipes or line breaks stay one row, spelled exactly; the missing policy is shown")
    func awkwardCategories() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "kind|name", kind: .categorical(categories: ["alpha, beta", "say \"hi\"", "a|b", "two\nlines"]), missing: .keep),
            ColumnSchema(name: "x", kind: .integer(lower: 0, upper: 10, binEdges: [0, 5, 10])),
        ])
        let privacy = Datasheet.PrivacySummary(epsilon: 1, delta: 1e-6, targetEpsilon: 1, order: 8, quorum: 3,
                                               accountant: "test", unit: "record", releases: [])
        let sheet = Datasheet(schema: schema, rows: 10, estimatedRealRecords: 10, generator: .init(name: "mst", parameters: [:]),
                              privacy: privacy, contributors: ["a"], quality: nil, cryptography: "test", hashes: [:])
        let lines = sheet.markdown().components(separatedBy: "\n")
        let row = try #require(lines.first { $0.hasPrefix("| kind\\|name |") })
        #expect(row == #"| kind\|name | categorical | "alpha, beta", "say \"hi\"", "a\|b", "two\nlines" | keep |"#)
        #expect(lines.contains("| x | integer | [0, 10], 2 bins | reject |"))
        #expect(!lines.contains("lines\" | keep |"), "a line break inside a category must not split the row")
    }

    @Test("institution and column names with pipes or line breaks keep the summary row and the structure list whole")
    func awkwardNames() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "out|come", kind: .categorical(categories: ["no", "yes"])),
            ColumnSchema(name: "two\nlines", kind: .integer(lower: 0, upper: 10, binEdges: [0, 5, 10])),
        ], target: "out|come", positiveCategory: "yes")
        let privacy = Datasheet.PrivacySummary(epsilon: 1, delta: 1e-6, targetEpsilon: 1, order: 8, quorum: 2,
                                               accountant: "test", unit: "record", releases: [])
        let sheet = Datasheet(schema: schema, rows: 10, estimatedRealRecords: 10,
                              generator: .init(name: "mst", parameters: [:], structure: ["out|come (root)", "two\nlines <- out|come"]),
                              privacy: privacy, contributors: ["st|mary", "north\nclinic"], quality: nil, cryptography: "test", hashes: [:])
        let lines = sheet.markdown().components(separatedBy: "\n")
        #expect(lines.contains(#"| contributors | st\|mary, north clinic |"#), "\(lines)")
        #expect(lines.contains(#"| target | out\|come |"#))
        #expect(lines.contains(#"- two lines <- out\|come"#))
        #expect(!lines.contains("clinic |") && !lines.contains("lines <- out|come"))
    }
}
