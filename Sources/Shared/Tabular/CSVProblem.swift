import Foundation

/// What is wrong with a CSV file or one of its rows. The cases never carry a cell's content:
/// the data is private, so messages say what kind of problem it is and where.
public enum CSVProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file has no header line (no bytes, only a byte-order mark, or only blank lines).
    case emptyFile
    /// Bytes that are not valid UTF-8 in a field.
    case invalidUTF8
    /// A quoted field that is never closed: everything after the quote is ambiguous.
    case unterminatedQuote
    /// A character other than a comma or line end right after a closing quote.
    case characterAfterClosingQuote
    /// A quote inside an unquoted field.
    case quoteInUnquotedField
    /// A row with a different number of fields than the header.
    case raggedRow(expected: Int, found: Int)
    /// A schema column absent from the header; `similar` is a header name equal to it but for
    /// case and surrounding spaces (the usual cause: `Age` against `age `).
    case missingColumn(name: String, similar: String? = nil)
    /// The header names a column twice.
    case duplicateHeader(name: String)
    /// A categorical cell whose text is not one of the column's categories.
    case unknownCategory
    /// A numeric cell that is not a finite decimal number (`DecimalNumber`).
    case unparsableNumber
    /// An integer column's cell that is a number but not a whole one.
    case notAnInteger
    /// A number outside the column's public bounds.
    case outOfBounds(lower: Double, upper: Double)
    /// A missing value in a column whose policy rejects them.
    case missingValue
    /// The header is one field containing another separator (a semicolon- or tab-separated export).
    case notCommaSeparated(separator: String)

    /// A short human description (no cell content).
    public var description: String {
        switch self {
        case .emptyFile: return "empty file: no header line"
        case .invalidUTF8: return "invalid UTF-8 (files must be UTF-8; convert a Latin-1 or Windows export with iconv -f WINDOWS-1252 -t UTF-8)"
        case .unterminatedQuote: return "unterminated quoted field (runs to the end of the file)"
        case .characterAfterClosingQuote: return "unexpected character after a closing quote"
        case .quoteInUnquotedField: return "quote inside an unquoted field (quote the whole field and double the quote)"
        case .raggedRow(let expected, let found): return "ragged row: \(found) fields, the header has \(expected)"
        case .missingColumn(let name, let similar):
            let hint = similar.map { " (the header has '\($0)': names must match exactly, case and spaces included)" } ?? ""
            return "missing column '\(name)' required by the schema\(hint)"
        case .duplicateHeader(let name): return "column '\(name)' appears twice in the header"
        case .unknownCategory: return "unknown category (not one of the schema's categories)"
        case .unparsableNumber: return "unparsable number"
        case .notAnInteger: return "not a whole number in an integer column"
        case .outOfBounds(let lower, let upper): return "number out of bounds [\(Self.format(lower)), \(Self.format(upper))]"
        case .missingValue: return "missing value in a column that rejects them"
        case .notCommaSeparated(let separator):
            return "the header is a single field containing '\(separator == "\t" ? "\\t" : separator)': files must be comma-separated (RFC 4180); export the table with commas"
        }
    }

    /// Whether the problem makes the whole file unusable whatever the bad-row policy.
    public var isFatalForFile: Bool {
        switch self {
        case .emptyFile, .unterminatedQuote, .missingColumn, .duplicateHeader, .notCommaSeparated: return true
        default: return false
        }
    }

    /// `.notCommaSeparated` when a header of one field holds a semicolon, tab or bar.
    static func separatorProblem(header: [String]) -> CSVProblem? {
        guard header.count == 1 else { return nil }
        return [";", "\t", "|"].first { header[0].contains($0) }.map { .notCommaSeparated(separator: $0) }
    }

    /// The header name that equals `name` once case and surrounding spaces are ignored, if any.
    static func similarName(to name: String, in header: [String]) -> String? {
        func folded(_ text: String) -> String { text.trimmingCharacters(in: .whitespaces).lowercased() }
        let target = folded(name)
        return header.first { $0 != name && folded($0) == target }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
