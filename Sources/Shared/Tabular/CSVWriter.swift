import Foundation

/// Writes a `Table` as RFC 4180 CSV: a header of the schema's column names, then one line per
/// row, CRLF-free (LF line ends), fields quoted only when they contain a comma, quote or line
/// break (quotes doubled). Missing values are written as the schema's first missing token; integers without a
/// decimal point; reals with the column's `decimals` or the shortest exact form.
public enum CSVWriter {
    /// The CSV text of `table`.
    public static func encode(_ table: Table) -> [UInt8] {
        let schema = table.schema
        let missingToken = quote(schema.missingTokens.first ?? "")
        var text = schema.columns.map { quote($0.name) }.joined(separator: ",") + "\n"
        text.reserveCapacity(table.rowCount * schema.columns.count * 8)
        var cells = [String](repeating: "", count: schema.columns.count)
        for row in 0..<table.rowCount {
            for (index, column) in schema.columns.enumerated() {
                cells[index] = format(table.values[index][row], column: column, missingToken: missingToken)
            }
            // Why: an empty line is skipped by readers (ours included), so a lone empty cell is quoted.
            if cells.count == 1, cells[0].isEmpty { cells[0] = "\"\"" }
            text += cells.joined(separator: ",")
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// Writes `table` to `path` atomically (mode 0644: synthetic data is meant to be shared).
    public static func write(_ table: Table, to path: String) throws {
        try DurableFile.write(encode(table), to: path, mode: 0o644)
    }

    /// The cell text of one value.
    public static func format(_ value: Double, column: ColumnSchema, missingToken: String = "") -> String {
        if value.isNaN { return missingToken }
        switch column.kind {
        case .categorical(let categories):
            return quote(categories[Int(value)])
        case .integer:
            // Schemas keep integer bounds within 2^53; a larger value is still written whole.
            return abs(value) < 0x1p63 ? String(Int64(value)) : String(format: "%.0f", value)
        case .real(_, _, _, let decimals):
            if let decimals {
                return String(format: "%.\(decimals)f", value)
            }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    /// `text`, quoted if it needs to be. Scalars, not Characters: "\r\n" is one Character,
    /// equal to neither "\r" nor "\n", and went out unquoted.
    public static func quote(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
