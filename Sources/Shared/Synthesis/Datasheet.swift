import Foundation

/// The provenance record published with a synthetic dataset, as JSON (`datasheet.json`) and
/// Markdown (`datasheet.md`): schema, rows, generator, privacy (epsilon, delta, accountant,
/// every release with its actual noise and contributors), contributors, quality scores from
/// the secure aggregate, cryptography, and SHA-256 hashes of the files. Every number in it is
/// public or differentially private: no row count or score of a single institution.
public struct Datasheet: Sendable, Codable, Equatable {
    /// Format tag.
    public static let formatTag = "apiary-datasheet-v1"

    /// The generator and its settings.
    public struct GeneratorSummary: Sendable, Codable, Equatable {
        /// Generator name ("mst", "copula").
        public let name: String
        /// Public settings.
        public let parameters: [String: String]
        /// The fitted model's dependencies (`SynthesisModel.structure`); nil in a datasheet
        /// written before they were recorded.
        public let structure: [String]?

        /// A summary.
        public init(name: String, parameters: [String: String], structure: [String]? = nil) {
            self.name = name
            self.parameters = parameters
            self.structure = structure
        }
    }

    private enum CodingKeys: String, CodingKey {
        case format, created, schema, rows, generator, privacy, contributors, quality, cryptography, hashes
        case estimatedRealRecords = "estimated_real_records"
    }

    /// The privacy guarantee and how it was computed.
    public struct PrivacySummary: Sendable, Codable, Equatable {
        /// Epsilon spent, from the actual noise of every release (+infinity without noise).
        public let epsilon: Double
        /// The delta.
        public let delta: Double
        /// The target epsilon the noise was calibrated for.
        public let targetEpsilon: Double
        /// The RDP order that gave `epsilon`.
        public let order: Double?
        /// t_min: the noise was sized for this many contributors.
        public let quorum: Int
        /// How epsilon was computed.
        public let accountant: String
        /// Privacy unit.
        public let unit: String
        /// Every release.
        public let releases: [ReleaseRecord]

        /// A summary.
        public init(epsilon: Double, delta: Double, targetEpsilon: Double, order: Double?, quorum: Int, accountant: String,
                    unit: String, releases: [ReleaseRecord]) {
            self.epsilon = epsilon
            self.delta = delta
            self.targetEpsilon = targetEpsilon
            self.order = order
            self.quorum = quorum
            self.accountant = accountant
            self.unit = unit
            self.releases = releases
        }

        private enum CodingKeys: String, CodingKey {
            case epsilon, delta, order, quorum, accountant, unit, releases
            case targetEpsilon = "target_epsilon"
        }
    }

    /// Format tag (`apiary-datasheet-v1`).
    public let format: String
    /// When the dataset was made (ISO 8601).
    public let created: String
    /// The schema of the synthetic table.
    public let schema: TableSchema
    /// Number of synthetic rows.
    public let rows: Int
    /// The differentially private estimate of the number of real records.
    public let estimatedRealRecords: Double
    /// The generator.
    public let generator: GeneratorSummary
    /// The privacy guarantee.
    public let privacy: PrivacySummary
    /// Names of the contributing institutions.
    public let contributors: [String]
    /// Quality scores aggregated securely over the institutions' holdouts (nil if not scored).
    public let quality: SecureQualityScores?
    /// Encryption and decryption used for the aggregates.
    public let cryptography: String
    /// SHA-256 (hex) of the published files, by file name.
    public let hashes: [String: String]

    /// A datasheet with the given content.
    public init(created: Date = Date(), schema: TableSchema, rows: Int, estimatedRealRecords: Double,
                generator: GeneratorSummary, privacy: PrivacySummary, contributors: [String],
                quality: SecureQualityScores?, cryptography: String, hashes: [String: String]) {
        self.format = Self.formatTag
        let formatter = ISO8601DateFormatter()
        self.created = formatter.string(from: created)
        self.schema = schema
        self.rows = rows
        self.estimatedRealRecords = estimatedRealRecords
        self.generator = generator
        self.privacy = privacy
        self.contributors = contributors
        self.quality = quality
        self.cryptography = cryptography
        self.hashes = hashes
    }

    /// Pretty, key-sorted JSON (snake_case keys); infinite epsilon is the string "Infinity".
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }

    /// Decodes `jsonData()` output.
    public static func decode(_ data: Data) throws -> Datasheet {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(Datasheet.self, from: data)
    }

    /// The Markdown rendering.
    public func markdown() -> String {
        func number(_ x: Double, _ digits: Int = 3) -> String {
            x.isFinite ? String(format: "%.\(digits)f", x) : (x > 0 ? "infinity" : "n/a")
        }
        var lines: [String] = []
        lines.append("# Synthetic dataset datasheet")
        lines.append("")
        lines.append("Created \(created) by Apiary (`\(format)`).")
        lines.append("")
        lines.append("## Summary")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| rows | \(rows) |")
        lines.append("| columns | \(schema.columns.count) |")
        lines.append("| target | \(schema.target.map(Self.tableCell) ?? "none") |")
        lines.append("| generator | \(generator.name) (\(generator.parameters.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))) |")
        lines.append("| contributors | \(contributors.map(Self.tableCell).joined(separator: ", ")) |")
        lines.append("| estimated real records (DP) | \(number(estimatedRealRecords, 0)) |")
        lines.append("| cryptography | \(cryptography) |")
        lines.append("")
        if let structure = generator.structure, !structure.isEmpty {
            lines.append("## Model structure")
            lines.append("")
            lines.append("The dependencies the generator kept (`child <- parent`); columns it does not link are independent given their neighbours.")
            lines.append("")
            for line in structure { lines.append("- \(Self.tableCell(line))") }
            lines.append("")
        }
        lines.append("## Privacy")
        lines.append("")
        if privacy.epsilon.isFinite {
            lines.append("(epsilon, delta) = (\(number(privacy.epsilon, 4)), \(privacy.delta)) per \(privacy.unit), computed from the noise actually added (target epsilon \(number(privacy.targetEpsilon, 4)), noise sized for a quorum of \(privacy.quorum)).")
        } else {
            lines.append("**No differential privacy**: epsilon is infinite (no noise was added). Do not publish this dataset.")
        }
        lines.append("")
        lines.append("Accountant: \(privacy.accountant)")
        lines.append("")
        lines.append("| release | round | L1 | L2 | total mu | contributors | coordinates |")
        lines.append("|---|---|---|---|---|---|---|")
        for release in privacy.releases {
            lines.append("| \(release.name) | \(release.round) | \(number(release.l1, 2)) | \(number(release.l2, 2)) | \(number(release.totalMu, 1)) | \(release.contributors) | \(release.coordinates) |")
        }
        lines.append("")
        lines.append("## Quality (aggregated securely over the institutions' holdouts, with noise)")
        lines.append("")
        if let quality {
            lines.append("| measure | score |")
            lines.append("|---|---|")
            lines.append("| holdout records (noisy) | \(number(quality.records, 0)) |")
            lines.append("| column shapes (1 - TV or KS distance) | \(number(quality.columnShapes)) |")
            if let pairTrends = quality.pairTrends {
                lines.append("| pair trends (1 - contingency TV distance) | \(number(pairTrends)) |")
            }
            if let deviation = quality.noiseDeviation {
                lines.append("| noise standard deviation of the \(quality.pairTrends == nil ? "score" : "two scores") above | \(number(deviation)) |")
            }
            if let tstr = quality.trainOnSynthetic {
                lines.append("| train on synthetic, test on real: accuracy | \(number(tstr.accuracy)) |")
                lines.append("| train on synthetic, test on real: AUC | \(number(tstr.auc)) |")
            }
        } else {
            lines.append("Not scored (no holdout, or too few holdout rows to tell the scores from the noise).")
        }
        lines.append("")
        lines.append("## Schema")
        lines.append("")
        lines.append("| column | type | values | missing |")
        lines.append("|---|---|---|---|")
        for column in schema.columns {
            let name = Self.tableCell(column.name), missing = column.missing.rawValue
            switch column.kind {
            case .categorical(let categories):
                // Quoted one by one: a category may hold a comma, a quote or a line break.
                let quoted = categories.map { Self.tableCell(JSONText.quote($0)) }.joined(separator: ", ")
                lines.append("| \(name) | categorical | \(quoted) | \(missing) |")
            case .integer(let lower, let upper, let edges), .real(let lower, let upper, let edges, _):
                let type = column.kind.categories == nil && { if case .integer = column.kind { return true } else { return false } }() ? "integer" : "real"
                lines.append("| \(name) | \(type) | [\(CSVProblem.format(lower)), \(CSVProblem.format(upper))], \(edges.count - 1) bins | \(missing) |")
            }
        }
        lines.append("")
        lines.append("## Files")
        lines.append("")
        for (file, hash) in hashes.sorted(by: { $0.key < $1.key }) { lines.append("- `\(file)`: SHA-256 `\(hash)`") }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// Text safe inside a Markdown table cell or list item: a pipe escaped, line breaks as spaces.
    static func tableCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
