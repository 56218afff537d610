import Foundation
import Testing
@testable import Shared

/// Every bad input of issue 7: a clear error naming file, line, column and problem (and never
/// the cell's content), or a counted skip under the skip policy.
@Suite("CSV reader bad input")
struct CSVReaderBadInputTests {
    static let schema = TableSchema(columns: [
        ColumnSchema(name: "kind", kind: .categorical(categories: ["a", "b"])),
        ColumnSchema(name: "age", kind: .integer(lower: 18, upper: 90, binEdges: [18, 40, 90])),
        ColumnSchema(name: "score", kind: .real(lower: 0, upper: 1, binEdges: [0, 0.5, 1], decimals: nil)),
    ])

    static func read(_ text: String, policy: BadRowPolicy = .reject) throws -> CSVReadResult {
        try CSVReader(schema: schema, policy: policy).read(bytes: Array(text.utf8), name: "site.csv")
    }

    /// The error's reason, asserting it is an `ApiaryError` with the invalidData code.
    static func failure(_ bytes: [UInt8], policy: BadRowPolicy = .reject) -> String {
        do {
            _ = try CSVReader(schema: schema, policy: policy).read(bytes: bytes, name: "site.csv")
            Issue.record("expected an error")
            return ""
        } catch let error as ApiaryError {
            #expect(error.code == .invalidData)
            return error.reason
        } catch {
            Issue.record("unexpected error \(error)")
            return ""
        }
    }

    @Test("a valid file reads, in any header order, ignoring extra columns")
    func valid() throws {
        let result = try Self.read("score,extra,kind,age\n0.25,zzz,b,30\n1,,a,90\n")
        #expect(result.table.rowCount == 2 && result.skippedRows == 0)
        #expect(result.table.values[0] == [1, 0] && result.table.values[1] == [30, 90] && result.table.values[2] == [0.25, 1])
        // An extra column's name may repeat (it is not read); numbers may carry spaces, categories may not.
        let repeated = try Self.read("note,kind,note,age,score\nx,a,y, 30 ,0.5\n")
        #expect(repeated.table.values[1] == [30])
        #expect(Self.failure(Array("kind,age,score\n a,30,0.5\n".utf8)).hasPrefix("site.csv:2:1 (column 'kind'): unknown category"))
    }

    @Test("each bad row names file, line, column and problem, without the cell's content")
    func eachCase() {
        let cases: [(String, String, String)] = [
            ("kind,age,score\na,30,0.5\nSECRETCAT,30,0.5\n", "site.csv:3:1 (column 'kind'): unknown category", "SECRETCAT"),
            ("kind,age,score\na,30,0.5\na,777,0.5\n", "site.csv:3:2 (column 'age'): number out of bounds [18, 90]", "777"),
            ("kind,age,score\na,30,0.5\na,30,0.5,9\n", "site.csv:3:4: ragged row: 4 fields, the header has 3", "9"),
            ("kind,age,score\na,30,0.5\na,30\n", "site.csv:3:3: ragged row: 2 fields, the header has 3", "§"),
            ("kind,age,score\na,3x1,0.5\n", "site.csv:2:2 (column 'age'): unparsable number", "3x1"),
            ("kind,age,score\na,0x1A,0.5\n", "site.csv:2:2 (column 'age'): unparsable number", "0x1A"),
            ("kind,age,score\na,30,nan\n", "site.csv:2:3 (column 'score'): unparsable number", "nan"),
            ("kind,age,score\na,30,1e\n", "site.csv:2:3 (column 'score'): unparsable number", "§"),
            ("kind,age,score\na,30.5,0.5\n", "site.csv:2:2 (column 'age'): not a whole number", "30.5"),
            ("kind,age,score\na,30,\n", "site.csv:2:3 (column 'score'): missing value", "§"),
            ("kind,age,score\na,30,0.5\n\"b,30,0.5\n", "site.csv:3:1 (column 'kind'): unterminated quoted field", "§"),
            ("kind,score\na,0.5\n", "site.csv:1: missing column 'age' required by the schema", "§"),
            ("kind,Age ,score\na,30,0.5\n",
             "site.csv:1: missing column 'age' required by the schema (the header has 'Age ': names must match exactly", "§"),
            ("kind,age,kind,score\n", "site.csv:1:3: column 'kind' appears twice in the header", "§"),
        ]
        for (text, expected, secret) in cases {
            let reason = Self.failure(Array(text.utf8))
            #expect(reason.hasPrefix(expected), "got: \(reason)")
            #expect(!reason.contains(secret))
        }
        let utf8 = Self.failure(Array("kind,age,score\na,30,0.5\n".utf8) + [0x62, 0xC3, 0x28, 0x2C, 0x33, 0x30, 0x2C, 0x31, 0x0A])
        #expect(utf8.hasPrefix("site.csv:3:1 (column 'kind'): invalid UTF-8"), "got: \(utf8)")
        for empty in [[], [0xEF, 0xBB, 0xBF], Array("\n\n\r\n".utf8)] as [[UInt8]] {
            #expect(Self.failure(empty).hasPrefix("site.csv:1: empty file"))
        }
    }

    @Test("skip policy: bad rows are skipped and counted with their locations; file-level problems still reject")
    func skipPolicy() throws {
        let text = "kind,age,score\na,30,0.5\nzz,30,0.5\na,17,0.5\nb,40\nb,41,0.75\na,x,0.1\n"
        let result = try Self.read(text, policy: .skip)
        #expect(result.table.rowCount == 2)
        #expect(result.rowsSeen == 6 && result.skippedRows == 4)
        #expect(result.issues.map(\.line) == [3, 4, 5, 7])
        #expect(result.issues.map(\.problem) == [.unknownCategory, .outOfBounds(lower: 18, upper: 90),
                                                 .raggedRow(expected: 3, found: 2), .unparsableNumber])
        // Unusable files are rejected whatever the policy.
        #expect(Self.failure(Array("kind,score\n".utf8), policy: .skip).contains("missing column 'age'"))
        #expect(Self.failure(Array("kind,age,score\n\"a,1,1\n".utf8), policy: .skip).contains("unterminated"))
        #expect(Self.failure([], policy: .skip).contains("empty file"))
        // A file whose every row is bad does not fit the schema: refused, not read as no rows.
        let allBad = Self.failure(Array("kind,age,score\nzz,30,0.5\na,17,0.5\n".utf8), policy: .skip)
        #expect(allBad.contains("site.csv: all 2 rows were skipped as bad rows, the first at site.csv:2:1"), "\(allBad)")
        #expect(try Self.read("kind,age,score\n", policy: .skip).table.rowCount == 0)  // a header alone is not an error here
        // Reject policy stops at the first bad row.
        #expect(Self.failure(Array(text.utf8)).hasPrefix("site.csv:3:1"))
    }

    @Test("reading from a file streams it in chunks and names the file")
    func fromFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-csv-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "kind,age,score\n"
        for row in 0..<20_000 { text += "\(row % 2 == 0 ? "a" : "b"),\(18 + row % 70),0.\(row % 10)\n" }
        text += "a,99,0.1\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CSVReader(schema: Self.schema, policy: .skip).read(path: path, name: "big.csv")
        #expect(result.table.rowCount == 20_000 && result.skippedRows == 1)
        #expect(result.issues.first?.description == "big.csv:20002:2 (column 'age'): number out of bounds [18, 90]")
    }
}
