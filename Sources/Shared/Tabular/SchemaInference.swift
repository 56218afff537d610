import Foundation

/// Drafts a `TableSchema` from a sample CSV for an operator to review.
///
/// It reads the data it is given: categories, bounds and bin edges come from the sample's
/// values, so a draft made from private data discloses them. Run it on a public or dummy
/// sample, then review the draft (widen bounds to publicly known ranges, merge rare
/// categories) before the consortium agrees on it (design brief section 6).
///
/// Rules: a column whose non-missing cells all parse as numbers is numeric, integer if they
/// are all whole, and categorical instead if it is whole-numbered with at most
/// `maxIntegerCategories` distinct values (codes like 0/1 or a year) or is the target.
/// Other columns are categorical (categories sorted). Bounds are the sample's range rounded
/// outward to a step of one tenth of the range's power of ten. Bin edges are about `binCount`
/// equal-mass sample quantiles plus the 1%, 3%, 97% and 99% ones (long tails), rounded to two
/// significant digits; a value that fills more than one quantile (a spike, such as many zeros)
/// gets a bin of its own. A bin wider than 1/`widthBins` of the range is then cut into equal
/// pieces no wider than that: a long tail's few extreme rows carry much of a Pearson
/// correlation, and one wide tail bin (values drawn independently inside it) would lose it.
/// A column with missing cells keeps them.
public struct SchemaInference: Sendable {
    /// Target number of bins per numeric column (10-20 is typical).
    public var binCount: Int
    /// No bin spans more than 1/widthBins of the column's range (1: no limit).
    public var widthBins: Int
    /// Whole-numbered columns with at most this many distinct values become categorical.
    public var maxIntegerCategories: Int
    /// Cell texts read as missing.
    public var missingTokens: [String]
    /// Columns of the sample to leave out of the schema (agents ignore CSV columns it does not name).
    public var dropped: Set<String> = []
    /// A target with more distinct values than this is refused, and so is a column that would be
    /// drafted as text with more categories than this though nearly all of them are numbers.
    public static let maximumTargetClasses = 50

    /// Inference settings.
    public init(binCount: Int = 16, widthBins: Int = 10, maxIntegerCategories: Int = 10, missingTokens: [String] = ["", "NA"]) {
        self.binCount = binCount
        self.widthBins = widthBins
        self.maxIntegerCategories = maxIntegerCategories
        self.missingTokens = missingTokens
    }

    /// Drafts a schema from the CSV file at `path`, with `target` as the target column if given.
    public func infer(path: String, target: String? = nil) throws -> TableSchema {
        guard let bytes = try DurableFile.read(path) else { throw ApiaryError(.notFound, "CSV file \(path) does not exist") }
        return try infer(bytes: bytes, name: path, target: target)
    }

    /// Drafts a schema from CSV bytes; `name` is used in messages.
    public func infer(bytes: [UInt8], name: String, target: String? = nil) throws -> TableSchema {
        guard (2...200).contains(binCount) else { throw ApiaryError(.invalidArgument, "bin count must be in 2...200, got \(binCount)") }
        var decoder = CSVDecoder()
        let records = decoder.feed(bytes) + decoder.finish()
        guard let headerRecord = records.first else { throw CSVIssue(file: name, line: 1, column: nil, problem: .emptyFile).error }
        if let problem = headerRecord.problem {
            throw CSVIssue(file: name, line: problem.line, column: problem.column, problem: problem.problem).error
        }
        let header = headerRecord.fields
        if let problem = CSVProblem.separatorProblem(header: header) {
            throw CSVIssue(file: name, line: headerRecord.line, column: nil, problem: problem).error
        }
        var named = Set<String>()
        for (position, column) in header.enumerated() where !named.insert(column).inserted {
            throw CSVIssue(file: name, line: headerRecord.line, column: position + 1, problem: .duplicateHeader(name: column)).error
        }
        var cells = [[String]](repeating: [], count: header.count)
        var lines: [Int] = []
        for record in records.dropFirst() {
            if let problem = record.problem {
                throw CSVIssue(file: name, line: problem.line, column: problem.column, problem: problem.problem).error
            }
            guard record.fields.count == header.count else {
                throw CSVIssue(file: name, line: record.line, column: min(record.fields.count, header.count) + 1,
                               problem: .raggedRow(expected: header.count, found: record.fields.count)).error
            }
            for (index, field) in record.fields.enumerated() { cells[index].append(field) }
            lines.append(record.line)
        }
        if let target, !header.contains(target) {
            throw ApiaryError(.invalidArgument, "target '\(target)' is not a column of \(name)")
        }
        if let target, dropped.contains(target) {
            throw ApiaryError(.invalidArgument, "target '\(target)' cannot also be dropped")
        }
        for column in dropped where !header.contains(column) {
            throw ApiaryError(.invalidArgument, "--drop '\(column)' is not a column of \(name)")
        }
        var identifierLike: [(position: Int, name: String, distinct: Int, present: Int)] = []
        let columns = try header.enumerated().filter { !dropped.contains($0.element) }.map { index, columnName in
            let present = cells[index].filter { !missingTokens.contains($0) }
            let column = try inferColumn(name: columnName, present: present, hasMissing: present.count < cells[index].count,
                                         forceCategorical: columnName == target)
            try Self.refuseStrayText(in: column, cells: cells[index], lines: lines, file: name, position: index + 1)
            if columnName != target, let count = Self.identifierLikeCount(column, presentCount: present.count) {
                identifierLike.append((index + 1, columnName, count, present.count))
            }
            return column
        }
        if !identifierLike.isEmpty {
            let found = identifierLike.map { "column \($0.position) ('\($0.name)'): \($0.distinct) distinct values in \($0.present) rows" }
            let drops = identifierLike.map { "--drop '\($0.name)'" }
            throw ApiaryError(.invalidArgument, "\(name): \(found.joined(separator: "; ")): such columns look like identifiers, free text or dates written as text; a schema lists every category publicly and synthetic rows would repeat the real values. Leave them out (\(drops.joined(separator: " ")); agents ignore CSV columns the schema does not name) or recode them (a date as a number of days or a year, text as a few categories), then draft again")
        }
        let schema = TableSchema(columns: columns, target: target, missingTokens: missingTokens)
        try schema.validate()
        return schema
    }

    /// The number of categories of a text column that looks like an identifier, free text or a
    /// date written as text, or nil: more than `maximumTargetClasses` distinct values that are
    /// also more than half its values, or at least 20 values all distinct (a small sample of
    /// ids). Why refuse them: a schema is public and lists every category, so the draft would
    /// publish the real values, and the generator would copy them into synthetic rows.
    static func identifierLikeCount(_ column: ColumnSchema, presentCount present: Int) -> Int? {
        guard let categories = column.kind.categories else { return nil }
        let many = categories.count > maximumTargetClasses && 2 * categories.count > present
        let allDistinct = categories.count >= 20 && categories.count == present
        return many || allDistinct ? categories.count : nil
    }

    /// A column drafted as categorical with more than `maximumTargetClasses` categories although
    /// nearly all its values (90% or more) are numbers was meant to be numeric: a stray token
    /// ("inf", "n/a", "?") made it text. Names the first such cell's line, not its content.
    static func refuseStrayText(in column: ColumnSchema, cells: [String], lines: [Int], file: String, position: Int) throws {
        guard let categories = column.kind.categories, categories.count > maximumTargetClasses else { return }
        let text = Set(categories.filter { DecimalNumber.parse($0) == nil })
        let numeric = categories.count - text.count
        guard !text.isEmpty, Double(numeric) >= 0.9 * Double(categories.count),
              let first = cells.firstIndex(where: { !$0.isEmpty && text.contains($0) }) else { return }
        throw ApiaryError(.invalidArgument, "\(file):\(lines[first]):\(position) (column '\(column.name)'): \(numeric) of its \(categories.count) distinct values are numbers but this one is not, so the column would be drafted as text; make such cells empty (missing) or fix them, then draft again")
    }

    /// The column drafted from its `present` (non-missing) cells.
    private func inferColumn(name: String, present: [String], hasMissing: Bool, forceCategorical: Bool) throws -> ColumnSchema {
        let missing: MissingValuePolicy = hasMissing ? .keep : .reject
        guard !present.isEmpty else {
            throw ApiaryError(.invalidArgument, "column '\(name)' has no values in the sample; cannot infer its type (drop the column, or draft from a sample that has values and review)")
        }
        let numbers = present.map { DecimalNumber.parse($0) }
        let isNumeric = numbers.allSatisfy { $0 != nil }
        let values = isNumeric ? numbers.map { $0! } : []
        let isWhole = isNumeric && values.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
        // A target is a class label for the quality report's classifier, not a measurement.
        if forceCategorical, Set(present).count > Self.maximumTargetClasses {
            throw ApiaryError(.invalidArgument, "target '\(name)' has \(Set(present).count) distinct values: a target is a class label (at most \(Self.maximumTargetClasses) classes); choose another column, or bin this one into classes first")
        }
        // One value only: a category. As a number it would get a bin of one step ([7.5, 7.6])
        // and synthetic values spread over it, where the data has a constant.
        let isConstant = Set(values).count == 1
        if !isNumeric || forceCategorical || isConstant || (isWhole && Set(values).count <= maxIntegerCategories) {
            var categories = Array(Set(present))
            if isNumeric {
                categories.sort { DecimalNumber.parse($0)! < DecimalNumber.parse($1)! }
            } else {
                categories.sort()
            }
            return ColumnSchema(name: name, kind: .categorical(categories: categories), missing: missing)
        }
        let sorted = values.sorted()
        let (lower, upper, step) = Self.roundedRange(sorted.first!, sorted.last!, whole: isWhole)
        let edges = binEdges(sorted: sorted, lower: lower, upper: upper, step: step, whole: isWhole)
        if isWhole {
            return ColumnSchema(name: name, kind: .integer(lower: lower, upper: upper, binEdges: edges), missing: missing)
        }
        // The precision the sample was written with (4.22e-06: 8 digits), capped for readability
        // at 6 digits, or 4 beyond the bounds' step where that is finer (tiny-valued or narrow
        // columns keep their resolution), and at the schema's 12.
        let written = present.compactMap { DecimalNumber.fractionDigits($0) }.max() ?? 0
        // Columns finer than 12 digits can resolve (values near 1e-15) are written in full instead.
        let stepDigits = max(0, -Int(log10(step).rounded(.down)))
        let decimals: Int? = stepDigits + 4 > 12 ? nil : min(written, max(6, stepDigits + 4))
        return ColumnSchema(name: name, kind: Self.mergingBinsOffGrid(.real(lower: lower, upper: upper, binEdges: edges, decimals: decimals)),
                            missing: missing)
    }

    /// `kind` with every bin that holds no value of its decimal grid merged into a neighbour
    /// (two-significant-digit edges can be finer than the data's precision: 0.75 with one decimal).
    static func mergingBinsOffGrid(_ kind: ColumnKind) -> ColumnKind {
        guard case .real(let lower, let upper, var edges, let decimals) = kind else { return kind }
        while edges.count > 2 {
            let current = ColumnKind.real(lower: lower, upper: upper, binEdges: edges, decimals: decimals)
            guard let empty = (0..<(edges.count - 1)).first(where: { Discretiser.decimalGrid(current, bin: $0)?.count == 0 }) else { break }
            // Drop the edge the empty bin shares with its right neighbour (the left one for the last bin).
            edges.remove(at: empty == edges.count - 2 ? empty : empty + 1)
        }
        return .real(lower: lower, upper: upper, binEdges: edges, decimals: decimals)
    }

    /// The range rounded outward to a "nice" step: a tenth of the range's power of ten (at
    /// least 1 for whole numbers).
    static func roundedRange(_ minimum: Double, _ maximum: Double, whole: Bool) -> (Double, Double, Double) {
        let span = maximum - minimum
        // A power of ten, so that tidying below cannot round a bound inward (a constant 1.25
        // with a step of 0.125 was tidied to [1.3, 1.4]).
        var step = pow(10, (log10(span > 0 ? span : max(1, abs(minimum)))).rounded(.down) - 1)
        if whole { step = max(1, step.rounded()) }
        var lower = (minimum / step).rounded(.down) * step
        var upper = (maximum / step).rounded(.up) * step
        if upper <= lower { upper = lower + step }
        // Tidy floating-point residue (0.30000000000000004) so the schema reads well.
        lower = Self.tidy(lower, step: step)
        upper = Self.tidy(upper, step: step)
        while lower > minimum { lower = Self.tidy(lower - step, step: step) }
        while upper < maximum { upper = Self.tidy(upper + step, step: step) }
        return (lower, upper, step)
    }

    private func binEdges(sorted: [Double], lower: Double, upper: Double, step: Double, whole: Bool) -> [Double] {
        var edges: [Double] = [lower]
        let n = sorted.count
        // Equal-mass levels, plus extra levels in both tails, where uniform-within-bin sampling
        // of a long tail would otherwise be poor.
        let levels = Set((1..<binCount).map { Double($0) / Double(binCount) } + [0.01, 0.03, 0.97, 0.99]).sorted()
        var previousQuantile: Double? = nil
        for level in levels {
            let q = sorted[min(n - 1, Int(level * Double(n)))]
            // A value hit by two quantiles in a row is a spike: close its bin right after it.
            if let previousQuantile, q == previousQuantile {
                edges.append(whole ? q + 1 : Self.nextRoundedUp(q, step: step))
                continue
            }
            previousQuantile = q
            edges.append(Self.roundedEdge(q, whole: whole, finest: step / 100, coarsest: step))
        }
        edges.append(upper)
        edges = splitWideBins(edges.sorted(), lower: lower, upper: upper, whole: whole, step: step)
        var result: [Double] = []
        for edge in edges.sorted() where edge >= lower && edge <= upper {
            if let last = result.last, edge <= last { continue }
            result.append(edge)
        }
        if result.last != upper {
            if result.count > 1 { result.removeLast() }
            result.append(upper)
        }
        return result
    }

    /// `edges` with every bin wider than 1/`widthBins` of the range cut into equal pieces no
    /// wider than that (cut points rounded like the quantile edges).
    private func splitWideBins(_ edges: [Double], lower: Double, upper: Double, whole: Bool, step: Double) -> [Double] {
        guard widthBins > 1, upper > lower else { return edges }
        let widest = (upper - lower) / Double(widthBins)
        var result = edges
        for (start, end) in zip(edges, edges.dropFirst()) where end - start > widest {
            let pieces = Int(((end - start) / widest).rounded(.up))
            for k in 1..<pieces {
                result.append(Self.roundedEdge(start + Double(k) * (end - start) / Double(pieces), whole: whole, finest: step / 100, coarsest: step))
            }
        }
        return result.sorted()
    }

    /// An interior edge rounded to two significant digits (whole numbers for integer columns,
    /// never finer than `finest`, never coarser than `coarsest`, the bounds' step: values far
    /// from zero in a narrow range, such as 1.0000001 to 1.0000009, still get edges), so the
    /// draft reads well and does not echo exact sample values.
    static func roundedEdge(_ x: Double, whole: Bool, finest: Double, coarsest: Double) -> Double {
        guard x != 0 else { return 0 }
        var unit = min(pow(10, (log10(abs(x))).rounded(.down) - 1), coarsest)
        unit = max(unit, whole ? 1 : finest)
        return tidy((x / unit).rounded() * unit, step: unit)
    }

    /// The smallest two-significant-digit value above x (a spike's closing edge).
    static func nextRoundedUp(_ x: Double, step: Double) -> Double {
        let unit = max(x == 0 ? step / 100 : min(pow(10, (log10(abs(x))).rounded(.down) - 1), step), step / 100)
        return tidy(((x / unit).rounded(.down) + 1) * unit, step: unit)
    }

    static func tidy(_ x: Double, step: Double) -> Double {
        let digits = max(0, -Int((log10(step)).rounded(.down)))
        let scale = pow(10, Double(digits))
        // Plus zero: a value that rounds to zero from below is -0, which JSON writes as "-0".
        return (x * scale).rounded() / scale + 0
    }
}
