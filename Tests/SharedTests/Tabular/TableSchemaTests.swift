import Foundation
import Testing
@testable import Shared

/// Schema JSON, validation of self-contradicting schemas, and inference.
@Suite("Table schema")
struct TableSchemaTests {
    static func reason(_ json: String) -> String {
        do {
            _ = try TableSchema.decode(Data(json.utf8), name: "s.json")
            Issue.record("expected an error for \(json)")
            return ""
        } catch let error as ApiaryError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    @Test("JSON round trip keeps every field")
    func roundTrip() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "y", kind: .categorical(categories: ["no", "yes"])),
            ColumnSchema(name: "n", kind: .integer(lower: 0, upper: 9, binEdges: [0, 3, 9]), missing: .keep),
            ColumnSchema(name: "r", kind: .real(lower: 0, upper: 1, binEdges: [0, 0.5, 1], decimals: 2)),
        ], target: "y", positiveCategory: "yes")
        let decoded = try TableSchema.decode(try schema.jsonData())
        #expect(decoded == schema)
        #expect(decoded.codeCounts == [2, 3, 2])
        #expect(decoded.positiveTargetCode == 1)
    }

    @Test("a schema that contradicts itself is refused with a message naming the rule")
    func contradictions() {
        func column(_ body: String) -> String { "{\"columns\": [\(body)]}" }
        let cat = "{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\", \"b\"]}"
        let cases: [(String, String)] = [
            ("{\"columns\": []}", "no columns"),
            (column(cat + "," + cat), "duplicate column name 'c'"),
            (column("{\"name\": \"c\", \"type\": \"categorical\", \"categories\": []}"), "at least one category"),
            (column("{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\", \"a\"]}"), "category 'a' appears twice"),
            (column("{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\", \"NA\"]}"), "also a missing-value token"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 1, \"bin_edges\": [0, 0.7, 0.5, 1]}"), "not sorted"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 1, \"bin_edges\": [0, 0.5, 0.5, 1]}"), "appears twice"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": -1, \"upper\": 1, \"bin_edges\": [0, 0.5, 1]}"), "outside the bin edges"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 1, \"upper\": 0, \"bin_edges\": [0, 1]}"), "must be below upper"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 1, \"bin_edges\": [0]}"), "at least two bin edges"),
            (column("{\"name\": \"x\", \"type\": \"integer\", \"lower\": 0, \"upper\": 5, \"bin_edges\": [0, 0.2, 0.4, 5]}"), "holds no valid value"),
            (column("{\"name\": \"x\", \"type\": \"integer\", \"lower\": 0.5, \"upper\": 5, \"bin_edges\": [0, 5]}"), "whole-number bounds"),
            (column("{\"name\": \"x\", \"type\": \"text\"}"), "unknown type 'text'"),
            ("{\"target\": \"z\", \"columns\": [\(cat)]}", "target 'z' is not a column"),
            ("{\"target\": \"x\", \"columns\": [{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 1, \"bin_edges\": [0, 1]}]}", "must be a categorical column"),
            ("{\"target\": \"c\", \"positive_category\": \"q\", \"columns\": [\(cat)]}", "positive category 'q'"),
            ("{\"columns\": [{\"name\": \"c\"}]}", "missing key 'type'"),
            ("{\"format\": \"other\", \"columns\": []}", "schema format 'other'"),
        ]
        for (json, expected) in cases {
            let reason = Self.reason(json)
            #expect(reason.hasPrefix("s.json: "), "got: \(reason)")
            #expect(reason.contains(expected), "expected '\(expected)' in: \(reason)")
        }
    }

    @Test("inference drafts types, categories, rounded bounds and sorted bins, and spikes get their own bin")
    func inference() throws {
        var text = "group,count,ratio,flag\n"
        for row in 0..<400 {
            let count = row % 4 == 0 ? 0 : (row * 37) % 1000
            text += "\(["x", "y", "z"][row % 3]),\(count),\(Double(row % 97) / 7.0),\(row % 2)\n"
        }
        text += "x,NA,0.5,1\n"
        let schema = try SchemaInference(binCount: 12).infer(bytes: Array(text.utf8), name: "sample.csv", target: "flag")
        #expect(schema.columns.map(\.name) == ["group", "count", "ratio", "flag"])
        #expect(schema.columns[0].kind.categories == ["x", "y", "z"])
        #expect(schema.columns[3].kind.categories == ["0", "1"])
        #expect(schema.target == "flag")
        guard case .integer(let lower, let upper, let edges) = schema.columns[1].kind else {
            Issue.record("count should be an integer column")
            return
        }
        #expect(schema.columns[1].missing == .keep)
        #expect(lower <= 0 && upper >= 999 && edges.first == lower && edges.last == upper)
        #expect(edges.count >= 8 && edges.count <= 20)
        #expect(edges[1] == 1, "zero is a spike (a quarter of the rows) and gets the bin [0, 1)")
        guard case .real(_, _, let ratioEdges, let decimals) = schema.columns[2].kind else {
            Issue.record("ratio should be a real column")
            return
        }
        #expect(ratioEdges == ratioEdges.sorted() && Set(ratioEdges).count == ratioEdges.count)
        #expect(decimals != nil)
        // A long tail: no bin spans more than a tenth of the range (default `widthBins`).
        var tailText = "amount\n"
        for row in 0..<1000 { tailText += "\(row < 990 ? Double(row % 100) / 10 : 100 + Double(row - 990) * 90)\n" }
        guard case .real(let tailLower, let tailUpper, let tailEdges, _) = try SchemaInference().infer(bytes: Array(tailText.utf8), name: "t.csv").columns[0].kind,
              case .real(_, _, let quantileEdges, _) = try SchemaInference(widthBins: 1).infer(bytes: Array(tailText.utf8), name: "t.csv").columns[0].kind else {
            Issue.record("amount should be a real column")
            return
        }
        let widest = zip(tailEdges, tailEdges.dropFirst()).map { $1 - $0 }.max()!
        #expect(widest <= (tailUpper - tailLower) / 10 * 1.05, "edges: \(tailEdges)")
        #expect(zip(quantileEdges, quantileEdges.dropFirst()).map { $1 - $0 }.max()! > (tailUpper - tailLower) / 2,
                "without the width rule the tail is one bin: \(quantileEdges)")
        // The draft reads its own sample back without a single bad row.
        let reread = try CSVReader(schema: schema).read(bytes: Array(text.utf8), name: "sample.csv")
        #expect(reread.table.rowCount == 401)
    }
}
