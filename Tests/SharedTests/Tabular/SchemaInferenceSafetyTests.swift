import Foundation
import Testing
@testable import Shared

/// `schema infer` must not publish identifiers or free text as categories, and files in another
/// separator or encoding get an error that says what to do.
@Suite("Schema inference: identifier-like columns, separators, encodings")
struct SchemaInferenceSafetyTests {
    /// 120 rows: a unique id, free-text notes, dates as text (80 distinct), an age, a region of
    /// 60 categories each on two rows, and a binary outcome.
    static func sample() -> String {
        var lines = ["patient_id,notes,visit_date,age,region,outcome"]
        for row in 0..<120 {
            let day = row % 80
            let date = String(format: "2021-%02d-%02d", 1 + day / 28, 1 + day % 28)
            lines.append("P\(10_000 + row),\"seen on day \(row), stable\",\(date),\(30 + row % 50),r\(row % 60),\(row % 3 == 0 ? "yes" : "no")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a unique id, free text and dates as text are refused with --drop named; dropped, the rest drafts and the full CSV reads")
    func identifierColumnsRefused() throws {
        let bytes = Array(Self.sample().utf8)
        do {
            _ = try SchemaInference().infer(bytes: bytes, name: "visits.csv", target: "outcome")
            Issue.record("an identifier column was drafted as categories")
        } catch let error as ApiaryError {
            // Every such column at once, each with its count and --drop.
            #expect(error.reason.contains("visits.csv: column 1 ('patient_id'): 120 distinct values in 120 rows; column 2 ('notes'): 120 distinct values in 120 rows; column 3 ('visit_date'): 80 distinct values in 120 rows"), "\(error.reason)")
            #expect(error.reason.contains("--drop 'patient_id' --drop 'notes' --drop 'visit_date'"))
            #expect(!error.reason.contains("P10000"), "a value leaked into the message")
        }
        var inference = SchemaInference()
        inference.dropped = ["patient_id", "notes"]
        #expect(throws: ApiaryError.self) { try inference.infer(bytes: bytes, name: "visits.csv", target: "outcome") }  // visit_date: 80 of 120
        inference.dropped = ["patient_id", "notes", "visit_date"]
        let schema = try inference.infer(bytes: bytes, name: "visits.csv", target: "outcome")
        #expect(schema.columns.map(\.name) == ["age", "region", "outcome"])
        // 60 regions over 120 rows is not more than half: a real many-category column is kept.
        #expect(schema.columns[1].kind.categories?.count == 60)
        let read = try CSVReader(schema: schema).read(bytes: bytes, name: "visits.csv")
        #expect(read.table.rowCount == 120)

        inference.dropped = ["outcome"]
        #expect(throws: ApiaryError.self) { try inference.infer(bytes: bytes, name: "visits.csv", target: "outcome") }
        inference.dropped = ["no_such_column"]
        #expect(throws: ApiaryError.self) { try inference.infer(bytes: bytes, name: "visits.csv") }
    }

    @Test("an all-negative column's bounds and edges that round to zero are written 0, never -0")
    func noNegativeZero() throws {
        let rows = (0..<400).map { String(format: "%.1f", -0.1 - Double($0 * $0) * 0.048) }
        let schema = try SchemaInference().infer(bytes: Array((["neg"] + rows).joined(separator: "\n").utf8), name: "neg.csv")
        guard case .real(_, let upper, let edges, _) = schema.columns[0].kind else { Issue.record("not a real column"); return }
        #expect(upper == 0 && upper.sign == .plus)
        #expect(edges.allSatisfy { $0 != 0 || $0.sign == .plus })
        let text = String(decoding: try schema.jsonData(), as: UTF8.self)
        #expect(text.range(of: "-0[^.0-9]", options: .regularExpression) == nil, "\(text)")
    }

    @Test("a small sample of 20 or more all-distinct text values is an identifier too; 19, or repeats, are not")
    func smallIdentifierSample() throws {
        func csv(_ values: [String]) -> [UInt8] { Array((["id,n"] + values.enumerated().map { "\($0.element),\($0.offset % 3)" }).joined(separator: "\n").utf8) }
        #expect(throws: ApiaryError.self) { try SchemaInference().infer(bytes: csv((0..<40).map { "ID\($0)" }), name: "small.csv") }
        #expect(try SchemaInference().infer(bytes: csv((0..<19).map { "ID\($0)" }), name: "small.csv").columns[0].kind.categories?.count == 19)
        #expect(try SchemaInference().infer(bytes: csv((0..<40).map { "c\($0 % 20)" }), name: "small.csv").columns[0].kind.categories?.count == 20)
    }

    @Test("a semicolon- or tab-separated file is named as such, by infer and by the reader")
    func separators() throws {
        for separator in [";", "\t"] {
            let text = ["a", "b", "c"].joined(separator: separator) + "\n" + ["1", "2", "3"].joined(separator: separator) + "\n"
            do {
                _ = try SchemaInference().infer(bytes: Array(text.utf8), name: "semi.csv")
                Issue.record("a \(separator)-separated file was drafted")
            } catch let error as ApiaryError {
                #expect(error.reason.contains("semi.csv:1") && error.reason.contains("must be comma-separated"), "\(error.reason)")
            }
            let schema = try SchemaInference().infer(bytes: Array("a,b\n1,2\n".utf8), name: "ok.csv")
            do {
                _ = try CSVReader(schema: schema).read(bytes: Array(text.utf8), name: "semi.csv")
                Issue.record("the reader took a \(separator)-separated file")
            } catch let error as ApiaryError {
                #expect(error.reason.contains("must be comma-separated"), "\(error.reason)")
            }
        }
    }

    @Test("invalid UTF-8 (a Latin-1 export) says how to convert the file")
    func latin1() throws {
        var bytes = Array("city,n\nZ".utf8)
        bytes.append(0xFC)  // Latin-1 u-umlaut
        bytes += Array("rich,3\n".utf8)
        do {
            _ = try SchemaInference().infer(bytes: bytes, name: "latin1.csv")
            Issue.record("invalid UTF-8 was accepted")
        } catch let error as ApiaryError {
            #expect(error.reason.contains("latin1.csv:2:1") && error.reason.contains("iconv"), "\(error.reason)")
        }
    }
}
