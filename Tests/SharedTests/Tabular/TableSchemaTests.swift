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
            (column("{\"name\": \"x\", \"type\": \"integer\", \"lower\": 0, \"upper\": 1e300, \"bin_edges\": [0, 500, 1e300]}"), "within +-2^53"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0.2, \"upper\": 0.45, \"bin_edges\": [0.2, 0.45], \"decimals\": 0}"),
             "bin [0.2, 0.45] holds no value with 0 decimals"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 2, \"bin_edges\": [0, 0.7, 0.71, 0.8, 2], \"decimals\": 1}"),
             "bin [0.71, 0.8] holds no value with 1 decimals"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": -1e12, \"upper\": 1e12, \"bin_edges\": [-1e12, 0, 1e12], \"decimals\": 12}"),
             "12 decimals on bounds up to 1000000000000 need more than the 15 significant digits a double holds"),
            ("{\"target\": \"z\", \"columns\": [\(cat)]}", "target 'z' is not a column"),
            ("{\"target\": \"x\", \"columns\": [{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"upper\": 1, \"bin_edges\": [0, 1]}]}", "must be a categorical column"),
            ("{\"target\": \"c\", \"positive_category\": \"q\", \"columns\": [\(cat)]}", "positive category 'q'"),
            ("{\"columns\": [{\"name\": \"c\"}]}", "missing key 'type'"),
            ("{\"format\": \"other\", \"columns\": []}", "schema format 'other'"),
            // Fields the format does not define, or not for this type, and keys given twice.
            ("{\"target\": \"c\", \"postive_category\": \"a\", \"columns\": [\(cat)]}", "unknown field 'postive_category'"),
            (column("{\"name\": \"x\", \"type\": \"integer\", \"lower\": 0, \"upper\": 5, \"bin_edges\": [0, 5], \"decimals\": 1}"),
             "column 'x': unknown field 'decimals' for an integer column"),
            (column("{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\"], \"bin_edges\": [0, 1]}"),
             "column 'c': unknown field 'bin_edges' for a categorical column"),
            (column("{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\"], \"missing\": \"drop\"}"),
             "column 'c': missing must be \"reject\" or \"keep\", got \"drop\""),
            ("{\"target\": \"c\",\n \"target\": \"d\", \"columns\": [\(cat)]}", "field 'target' appears twice in one object (line 2)"),
            (column("{\"name\": \"x\", \"type\": \"real\", \"lower\": 0, \"lower\": 1, \"upper\": 5, \"bin_edges\": [0, 5]}"),
             "field 'lower' appears twice"),
            (column(cat + ", {\"name\": \"x\", \"type\": \"real\", \"lower\": \"0\", \"upper\": 5, \"bin_edges\": [0, 5]}"),
             "wrong type at column 2, field 'lower'"),
            ("{\"columns\": [", "not JSON"),
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

@Suite("Decimal numbers, written values and drafted precision")
struct DecimalPrecisionTests {
    @Test("decimal text only: signs, points, exponents; no hexadecimal, inf or nan")
    func decimalSyntax() {
        for (text, value) in [("-12", -12.0), (" .5 ", 0.5), ("3.", 3.0), ("4.22e-06", 4.22e-6), ("+1E3", 1000.0)] {
            #expect(DecimalNumber.parse(text) == value, "\(text)")
        }
        for text in ["0x1A", "inf", "nan", "infinity", "1e", "e5", ".", "-", "1.2.3", "1e5.0", "", "1 2", "1e999"] {
            #expect(DecimalNumber.parse(text) == nil, "\(text)")
        }
        #expect(DecimalNumber.fractionDigits("4.22e-06") == 8)
        #expect(DecimalNumber.fractionDigits("1.5e3") == 0)
        #expect(DecimalNumber.fractionDigits("0.250") == 3)
        #expect(DecimalNumber.fractionDigits("7") == 0)
    }

    @Test("a value drawn in a bin is on the decimals grid and its written text reads back into that bin")
    func writtenValuesStayInTheirBins() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "constant", kind: .real(lower: 7.5, upper: 7.5, binEdges: [7.5, 7.6], decimals: 1)),
            ColumnSchema(name: "spikes", kind: .real(lower: 0, upper: 2, binEdges: [0, 0.7, 0.71, 0.81, 0.91, 2], decimals: 1)),
            ColumnSchema(name: "tiny", kind: .real(lower: 1e-6, upper: 5e-6, binEdges: [1e-6, 1.1e-6, 2e-6, 5e-6], decimals: 11)),
        ])
        let discretiser = Discretiser(schema: schema)
        let random = SeededRandom(seed: 4)
        var written: Set<String> = []
        for column in 0..<3 {
            for code in 0..<schema.columns[column].kind.valueCodeCount {
                for _ in 0..<200 {
                    let value = discretiser.value(column: column, code: code, position: random.unitDouble())
                    let text = CSVWriter.format(value, column: schema.columns[column])
                    let back = try #require(DecimalNumber.parse(text))
                    #expect(discretiser.code(column: column, value: back) == code, "\(schema.columns[column].name) bin \(code): \(text)")
                    if column == 0 { written.insert(text) }
                }
            }
        }
        #expect(written == ["7.5"], "a constant column stays constant: \(written)")
    }

    @Test("drafted decimals follow the sample's precision, exponents included, and no drafted bin is off the grid")
    func draftedPrecision() throws {
        let random = SeededRandom(seed: 12)
        // Tiny values written in scientific notation.
        let tiny = "t\n" + (0..<300).map { _ in String(1e-6 + 4e-6 * random.unitDouble()) }.joined(separator: "\n") + "\n"
        // Seven decimals in a narrow range far from zero.
        let narrow = "x\n" + (0..<300).map { _ in String(format: "%.7f", 1.0000001 + 0.0000008 * random.unitDouble()) }.joined(separator: "\n") + "\n"
        // One decimal with spikes (creatinine-like): spike bins close at 0.71, 0.81.
        let spiky = "c\n" + (0..<600).map { i in i % 3 == 0 ? "0.7" : (i % 3 == 1 ? "0.8" : String(format: "%.1f", 1 + 3 * random.unitDouble())) }
            .joined(separator: "\n") + "\n"
        for (name, text) in [("tiny", tiny), ("narrow", narrow), ("spiky", spiky)] {
            let schema = try SchemaInference().infer(bytes: Array(text.utf8), name: "\(name).csv")
            guard case .real(_, _, let edges, let decimals?) = schema.columns[0].kind else {
                Issue.record("\(name): not a real column with decimals")
                continue
            }
            #expect(edges.count > 3, "\(name): \(edges)")
            // Every sample value written back with the drafted decimals stays within the bounds.
            let rows = try CSVReader(schema: schema).read(bytes: Array(text.utf8), name: "\(name).csv").table
            for value in rows.values[0] {
                let rewritten = try #require(DecimalNumber.parse(CSVWriter.format(value, column: schema.columns[0])))
                #expect(abs(rewritten - value) <= 0.5 / Discretiser.powerOfTen(decimals) * 1.0001, "\(name)")
            }
            if name == "tiny" { #expect(decimals >= 8) }
            if name == "narrow" { #expect(decimals == 7) }
            if name == "spiky" { #expect(decimals == 1) }
        }
    }

    @Test("a target with more than 50 distinct values is refused by inference; a duplicate header is named by line and column")
    func inferenceRefusals() {
        let prices = "price,b\n" + (0..<200).map { "\(Double($0) * 1.5),u" }.joined(separator: "\n") + "\n"
        #expect(throws: ApiaryError.self) { try SchemaInference().infer(bytes: Array(prices.utf8), name: "p.csv", target: "price") }
        do {
            _ = try SchemaInference().infer(bytes: Array("a,b,a\n1,2,3\n".utf8), name: "d.csv")
            Issue.record("a duplicate header was accepted")
        } catch {
            #expect("\(error)".hasPrefix("d.csv:1:3: column 'a' appears twice"), "\(error)")
        }
        // 120 distinct numbers and one stray "inf" on line 41: named by line and column, not drafted as text.
        let stray = "id,z\n" + (0..<120).map { "a,\($0 == 39 ? "inf" : String(Double($0) + 0.5))" }.joined(separator: "\n") + "\n"
        do {
            _ = try SchemaInference().infer(bytes: Array(stray.utf8), name: "s.csv")
            Issue.record("a stray token was drafted as text")
        } catch {
            #expect("\(error)".hasPrefix("s.csv:41:2 (column 'z'): 119 of its 120 distinct values are numbers"), "\(error)")
            #expect(!"\(error)".contains("inf"))
        }
        // A constant column is drafted as its one value (a bin of one step, [7.5, 7.6], had
        // synthetic values spread over it); values finer than 12 digits are written in full.
        for value in ["1.25", "7.45", "1.35", "5000.5"] {
            let schema = try? SchemaInference().infer(bytes: Array(("x\n" + Array(repeating: value, count: 30).joined(separator: "\n") + "\n").utf8), name: "c.csv")
            #expect(schema?.columns[0].kind == .categorical(categories: [value]), "\(value): \(String(describing: schema?.columns[0].kind))")
            // Bounds drafted by range rounding still hold a constant.
            let (lower, upper, _) = SchemaInference.roundedRange(Double(value)!, Double(value)!, whole: false)
            #expect(lower <= Double(value)! && Double(value)! <= upper, "\(value): [\(lower), \(upper)]")
        }
        let femto = "x\n" + (1...40).map { "\(Double($0) * 1.1e-16 + 1e-15)" }.joined(separator: "\n") + "\n"
        let fine = try? SchemaInference().infer(bytes: Array(femto.utf8), name: "f.csv")
        guard case .real(_, _, let femtoEdges, let femtoDecimals)? = fine?.columns[0].kind else {
            Issue.record("values near 1e-15 were not drafted")
            return
        }
        #expect(femtoDecimals == nil && femtoEdges.count > 3)
        #expect(CSVWriter.format(1e19, column: ColumnSchema(name: "n", kind: .integer(lower: 0, upper: 9, binEdges: [0, 9]))) == "10000000000000000000")
    }
}
