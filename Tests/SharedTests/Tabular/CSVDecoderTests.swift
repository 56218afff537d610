import Foundation
import Testing
@testable import Shared

/// RFC 4180 decoding: the decoder must give the same records whether fed whole, split at any
/// position, or byte by byte (swift-nio's split-and-concatenate practice).
@Suite("CSV decoder")
struct CSVDecoderTests {
    static let sample: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(
        "name,note,amount\r\nalpha,\"comma, inside\",1\n\"multi\nline\",\"say \"\"hi\"\"\",2\r\n\r\nbeta,,3\nlast,\"\",4".utf8)

    static func decodeWhole(_ bytes: [UInt8]) -> [CSVRecord] {
        var decoder = CSVDecoder()
        return decoder.feed(bytes) + decoder.finish()
    }

    @Test("quotes, embedded commas and line breaks, doubled quotes, CRLF and LF, BOM, blank line")
    func wholeInput() {
        let records = Self.decodeWhole(Self.sample)
        #expect(records.map(\.fields) == [
            ["name", "note", "amount"],
            ["alpha", "comma, inside", "1"],
            ["multi\nline", "say \"hi\"", "2"],
            ["beta", "", "3"],
            ["last", "", "4"],
        ])
        #expect(records.map(\.line) == [1, 2, 3, 6, 7])
        #expect(records[2].fieldLines == [3, 4, 4])
        #expect(records.allSatisfy { $0.problem == nil })
    }

    @Test("split at every position, and byte by byte, gives the same records")
    func splitAtEveryPosition() {
        let expected = Self.decodeWhole(Self.sample)
        for split in 0...Self.sample.count {
            var decoder = CSVDecoder()
            let records = decoder.feed(Self.sample[..<split]) + decoder.feed(Self.sample[split...]) + decoder.finish()
            #expect(records == expected, "split at \(split)")
        }
        var decoder = CSVDecoder()
        var records: [CSVRecord] = []
        for byte in Self.sample { records += decoder.feed([byte]) }
        records += decoder.finish()
        #expect(records == expected)
        // Concatenated: two copies of a newline-terminated document decode as both in order.
        let document = Array("a,b\n1,\"x\ny\"\n".utf8)
        #expect(Self.decodeWhole(document + document).map(\.fields) == [["a", "b"], ["1", "x\ny"], ["a", "b"], ["1", "x\ny"]])
    }

    @Test("structural problems are reported per record with line and field, and decoding resumes")
    func structuralProblems() {
        let records = Self.decodeWhole(Array("a,b\nx\"y,1\n\"q\"z,2\nok,3\n".utf8) + [0x6E, 0xFF, 0x2C, 0x34, 0x0A] + Array("\"open,5\nmore\n".utf8))
        #expect(records[0].fields == ["a", "b"])
        #expect(records[1].problem?.problem == .quoteInUnquotedField && records[1].problem?.line == 2 && records[1].problem?.column == 1)
        #expect(records[2].problem?.problem == .characterAfterClosingQuote && records[2].problem?.line == 3)
        #expect(records[3].fields == ["ok", "3"])
        #expect(records[4].problem?.problem == .invalidUTF8 && records[4].problem?.line == 5 && records[4].problem?.column == 1)
        #expect(records[5].problem?.problem == .unterminatedQuote && records[5].problem?.line == 6)
        #expect(records.count == 6)
    }

    @Test("a BOM split across chunks is still dropped; a lone prefix of it is kept as data")
    func byteOrderMark() {
        var decoder = CSVDecoder()
        let records = decoder.feed([0xEF]) + decoder.feed([0xBB]) + decoder.feed([0xBF, 0x61, 0x0A]) + decoder.finish()
        #expect(records.map(\.fields) == [["a"]])
        #expect(Self.decodeWhole([0xEF, 0xBB]).first?.problem?.problem == .invalidUTF8)
    }

    @Test("the writer's output reads back to the same table")
    func writerRoundTrip() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "label, with comma", kind: .categorical(categories: ["plain", "with \"quote\"", "two\nlines", "crlf\r\nline", "cr\ronly"])),
            ColumnSchema(name: "x", kind: .real(lower: -1, upper: 1, binEdges: [-1, 0, 1], decimals: 3), missing: .keep),
            ColumnSchema(name: "n", kind: .integer(lower: 0, upper: 10, binEdges: [0, 5, 10])),
        ])
        // "\r\n" inside a category is one Swift Character: it must still be quoted.
        let table = try Table(schema: schema, columns: [[0, 1, 2, 3, 4], [0.125, .nan, -1, 0, 1], [0, 7, 10, 1, 2]])
        let bytes = CSVWriter.encode(table)
        let read = try CSVReader(schema: schema).read(bytes: bytes, name: "roundtrip.csv")
        #expect(read.table.rowCount == 5)
        #expect(read.table.values[0] == [0, 1, 2, 3, 4])
        #expect(read.table.values[2] == [0, 7, 10, 1, 2])
        #expect(read.table.values[1][0] == 0.125 && read.table.values[1][1].isNaN && read.table.values[1][2] == -1)
        #expect(CSVWriter.quote("a\r\nb") == "\"a\r\nb\"" && CSVWriter.quote("plain") == "plain")
    }
}
