import Foundation
import Testing
@testable import Shared

@Suite("The Markdown datasheet's schema table")
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
}
