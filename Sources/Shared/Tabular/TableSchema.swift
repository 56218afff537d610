import Foundation

/// The consortium's agreed description of a table: columns, their public categories, bounds
/// and bin edges, the missing-value tokens and the target column (design brief section 6:
/// everything here is public and never derived from private data without spending budget).
///
/// JSON (documented in docs/synthesis.md):
///
///     {"format": "apiary-schema-v1", "target": "Status", "missing_tokens": ["", "NA"],
///      "positive_category": "bad", "columns": [ ... ]}
public struct TableSchema: Sendable, Equatable, Codable {
    /// The format tag written in every schema file.
    public static let formatTag = "apiary-schema-v1"

    /// The columns, in the order synthetic CSV files are written.
    public var columns: [ColumnSchema]
    /// The column a classifier predicts in the quality report, if any (categorical).
    public var target: String?
    /// The target category treated as "positive" for AUC; the last category if nil.
    public var positiveCategory: String?
    /// Cell texts that mean "missing" (compared exactly, after no trimming).
    public var missingTokens: [String]

    /// A schema with the given fields (call `validate()` before use).
    public init(columns: [ColumnSchema], target: String? = nil, positiveCategory: String? = nil,
                missingTokens: [String] = ["", "NA"]) {
        self.columns = columns
        self.target = target
        self.positiveCategory = positiveCategory
        self.missingTokens = missingTokens
    }

    private enum CodingKeys: String, CodingKey {
        case format, columns, target
        case positiveCategory = "positive_category"
        case missingTokens = "missing_tokens"
    }

    /// Decodes a schema; a wrong `format` tag is `.invalidEncoding`.
    public init(from decoder: any Decoder) throws {
        let known: Set<String> = ["format", "columns", "target", "positive_category", "missing_tokens"]
        if let unknown = try UnknownFields.of(decoder, known: known).first {
            throw ApiaryError(.invalidEncoding, "unknown field '\(unknown)' (a schema has \(known.sorted().joined(separator: ", ")))")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decodeIfPresent(String.self, forKey: .format) ?? Self.formatTag
        guard format == Self.formatTag else {
            throw ApiaryError(.invalidEncoding, "schema format '\(format)' is not \(Self.formatTag)")
        }
        columns = try container.decode([ColumnSchema].self, forKey: .columns)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        positiveCategory = try container.decodeIfPresent(String.self, forKey: .positiveCategory)
        missingTokens = try container.decodeIfPresent([String].self, forKey: .missingTokens) ?? ["", "NA"]
    }

    /// Encodes the schema with its format tag.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatTag, forKey: .format)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encodeIfPresent(positiveCategory, forKey: .positiveCategory)
        try container.encode(missingTokens, forKey: .missingTokens)
        try container.encode(columns, forKey: .columns)
    }

    // MARK: Lookup

    /// The index of the column named `name`.
    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }

    /// The index of the target column, if the schema has one.
    public var targetIndex: Int? { target.flatMap { index(of: $0) } }

    /// The code of the positive target category (the last category unless `positiveCategory` says).
    public var positiveTargetCode: Int? {
        guard let targetIndex, let categories = columns[targetIndex].kind.categories, !categories.isEmpty else { return nil }
        if let positiveCategory { return categories.firstIndex(of: positiveCategory) }
        return categories.count - 1
    }

    /// Number of codes of each column (categories or bins, plus a missing code when kept).
    public var codeCounts: [Int] { columns.map(\.codeCount) }

    // MARK: Validation

    /// Checks that the schema does not contradict itself. Schema content is public, so the
    /// messages quote names, categories and edges.
    /// - Throws: `ApiaryError(.invalidArgument)` naming the column and the rule broken: no
    ///   columns, an empty or duplicate column name, no or duplicate categories, a category that
    ///   is also a missing token, non-finite or unsorted bounds, fewer than two or unsorted or
    ///   duplicate bin edges, bounds outside the edges, a non-integral integer bound or one beyond
    ///   2^53, decimals outside 0...12 or too coarse for a bin to hold a written value, a target that is not a categorical column with two or more categories, a
    ///   positive category that is not one of the target's.
    public func validate() throws {
        guard !columns.isEmpty else { throw invalid("the schema has no columns") }
        var seen = Set<String>()
        for (position, column) in columns.enumerated() {
            let label = "column \(position + 1) '\(column.name)'"
            guard !column.name.isEmpty else { throw invalid("column \(position + 1) has an empty name") }
            guard seen.insert(column.name).inserted else { throw invalid("duplicate column name '\(column.name)'") }
            switch column.kind {
            case .categorical(let categories):
                guard !categories.isEmpty else { throw invalid("\(label): a categorical column needs at least one category") }
                var seenCategories = Set<String>()
                for category in categories {
                    guard seenCategories.insert(category).inserted else {
                        throw invalid("\(label): category '\(category)' appears twice")
                    }
                    if missingTokens.contains(category) {
                        throw invalid("\(label): category '\(category)' is also a missing-value token")
                    }
                }
            case .integer(let lower, let upper, let edges), .real(let lower, let upper, let edges, _):
                guard lower.isFinite, upper.isFinite else { throw invalid("\(label): bounds must be finite numbers") }
                guard lower < upper else { throw invalid("\(label): lower bound \(CSVProblem.format(lower)) must be below upper bound \(CSVProblem.format(upper))") }
                guard edges.count >= 2 else { throw invalid("\(label): needs at least two bin edges (one bin), got \(edges.count)") }
                for (i, edge) in edges.enumerated() {
                    guard edge.isFinite else { throw invalid("\(label): bin edge \(i + 1) is not a finite number") }
                    if i > 0, edge <= edges[i - 1] {
                        throw invalid(edge == edges[i - 1]
                            ? "\(label): bin edge \(CSVProblem.format(edge)) appears twice"
                            : "\(label): bin edges are not sorted (\(CSVProblem.format(edges[i - 1])) before \(CSVProblem.format(edge)))")
                    }
                }
                guard lower >= edges[0], upper <= edges[edges.count - 1] else {
                    throw invalid("\(label): bounds [\(CSVProblem.format(lower)), \(CSVProblem.format(upper))] lie outside the bin edges [\(CSVProblem.format(edges[0])), \(CSVProblem.format(edges[edges.count - 1]))]")
                }
                if case .integer = column.kind {
                    guard lower == lower.rounded(), upper == upper.rounded() else {
                        throw invalid("\(label): an integer column needs whole-number bounds")
                    }
                    // Beyond 2^53 doubles skip whole numbers, and values could not be written exactly.
                    guard max(abs(lower), abs(upper)) <= 0x1p53 else {
                        throw invalid("\(label): integer bounds must lie within +-2^53 (9007199254740992); make the column real for larger values")
                    }
                }
                // Each bin must hold some valid value, or the model could sample an impossible one.
                for bin in 0..<(edges.count - 1) where Discretiser.binRange(column.kind, bin: bin) == nil {
                    throw invalid("\(label): bin [\(CSVProblem.format(edges[bin])), \(CSVProblem.format(edges[bin + 1]))] holds no valid value within the bounds")
                }
                if case .real(let lower, let upper, _, let decimals) = column.kind, let decimals {
                    guard (0...12).contains(decimals) else { throw invalid("\(label): decimals must be in 0...12, got \(decimals)") }
                    // A double holds 15-16 significant digits: beyond them the written digits are noise.
                    guard max(abs(lower), abs(upper)) * Discretiser.powerOfTen(decimals) < 0x1p53 else {
                        throw invalid("\(label): \(decimals) decimals on bounds up to \(CSVProblem.format(max(abs(lower), abs(upper)))) need more than the 15 significant digits a double holds; lower decimals")
                    }
                    // Values are written rounded to `decimals`: each bin must hold such a value.
                    for bin in 0..<(edges.count - 1) where Discretiser.decimalGrid(column.kind, bin: bin)?.count == 0 {
                        throw invalid("\(label): bin [\(CSVProblem.format(edges[bin])), \(CSVProblem.format(edges[bin + 1]))] holds no value with \(decimals) decimals; raise decimals or merge the bin")
                    }
                }
            }
        }
        if missingTokens.isEmpty, let column = columns.first(where: { $0.missing == .keep }) {
            throw invalid("column '\(column.name)' keeps missing values but the schema lists no missing tokens")
        }
        if let target {
            guard let index = index(of: target) else { throw invalid("target '\(target)' is not a column of the schema") }
            guard let categories = columns[index].kind.categories, categories.count >= 2 else {
                throw invalid("target '\(target)' must be a categorical column with at least two categories")
            }
            if let positiveCategory, !categories.contains(positiveCategory) {
                throw invalid("positive category '\(positiveCategory)' is not a category of the target '\(target)'")
            }
        } else if positiveCategory != nil {
            throw invalid("positive_category is set but the schema has no target")
        }
    }

    private func invalid(_ reason: String) -> ApiaryError { ApiaryError(.invalidArgument, "schema: \(reason)") }

    // MARK: Files

    /// Reads and validates a schema file. Errors name the file.
    public static func load(path: String) throws -> TableSchema {
        guard let bytes = try DurableFile.read(path) else { throw ApiaryError(.notFound, "schema file \(path) does not exist") }
        return try decode(Data(bytes), name: path)
    }

    /// Decodes and validates schema JSON; `name` is used in error messages.
    public static func decode(_ data: Data, name: String = "schema") throws -> TableSchema {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ApiaryError(.invalidEncoding, "\(name): not JSON (\(Self.syntaxError(error)))")
        }
        if let repeated = JSONDuplicateKeys.first(in: [UInt8](data)) {
            throw ApiaryError(.invalidEncoding, "\(name): field '\(repeated.key)' appears twice in one object (line \(repeated.line)); keep one")
        }
        let schema: TableSchema
        do {
            schema = try JSONDecoder().decode(TableSchema.self, from: data)
        } catch let error as ApiaryError {
            throw ApiaryError(error.code, "\(name): \(error.reason)")
        } catch {
            throw ApiaryError(.invalidEncoding, "\(name): not a valid schema JSON document (\(Self.describe(error)))")
        }
        do {
            try schema.validate()
        } catch let error as ApiaryError {
            throw ApiaryError(error.code, "\(name): \(error.reason)")
        }
        return schema
    }

    /// Pretty, key-sorted JSON of the schema (stable, so its hash is reproducible).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath + []))"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }

    /// "column 2, field 'lower'" for columns[1].lower: columns counted from 1, as everywhere else.
    private static func path(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "top level" }
        var parts: [String] = []
        var index = 0
        while index < codingPath.count {
            let key = codingPath[index]
            if key.stringValue == "columns", index + 1 < codingPath.count, let column = codingPath[index + 1].intValue {
                parts.append("column \(column + 1)")
                index += 2
            } else if let item = key.intValue {
                parts.append("item \(item + 1)")
                index += 1
            } else {
                parts.append("field '\(key.stringValue)'")
                index += 1
            }
        }
        return parts.joined(separator: ", ")
    }

    /// Foundation's reason for a JSON syntax error, which on Linux names the line and column.
    private static func syntaxError(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        let detail = [underlying?.userInfo[NSDebugDescriptionErrorKey], (error as NSError).userInfo[NSDebugDescriptionErrorKey]]
            .compactMap { $0 as? String }.first { !$0.isEmpty && $0 != "The given data was not valid JSON." }
        return detail ?? "a syntax error"
    }
}
