/// One column of a `TableSchema`: its name (the CSV header), its kind and its missing-value policy.
///
/// JSON (see docs/synthesis.md):
///
///     {"name": "Home", "type": "categorical", "categories": ["owner", "rent"], "missing": "reject"}
///     {"name": "Age", "type": "integer", "lower": 18, "upper": 70, "bin_edges": [18, 25, 40, 70]}
///     {"name": "kappa", "type": "real", "lower": 0, "upper": 40, "bin_edges": [...], "decimals": 2}
///
/// `missing` defaults to "reject". Decoding checks only the shape of the JSON; the
/// consistency rules live in `TableSchema.validate()`.
public struct ColumnSchema: Sendable, Equatable, Codable {
    /// The column's name, matched exactly against the CSV header.
    public var name: String
    /// Its type and public facts.
    public var kind: ColumnKind
    /// What a missing value means.
    public var missing: MissingValuePolicy

    /// A column with the given fields.
    public init(name: String, kind: ColumnKind, missing: MissingValuePolicy = .reject) {
        self.name = name
        self.kind = kind
        self.missing = missing
    }

    /// Number of discrete codes: categories or bins, plus one when missing values are kept.
    public var codeCount: Int { kind.valueCodeCount + (missing == .keep ? 1 : 0) }

    /// The code of a missing value, when the column keeps them (always the last code).
    public var missingCode: Int? { missing == .keep ? kind.valueCodeCount : nil }

    private enum CodingKeys: String, CodingKey {
        case name, type, categories, lower, upper
        case binEdges = "bin_edges"
        case decimals, missing
    }

    /// Decodes the flat JSON form; an unknown `type` is `.invalidEncoding` naming the column.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let policy = try container.decodeIfPresent(String.self, forKey: .missing) ?? MissingValuePolicy.reject.rawValue
        guard let missing = MissingValuePolicy(rawValue: policy) else {
            throw ApiaryError(.invalidEncoding, "column '\(name)': missing must be \"reject\" or \"keep\", got \"\(policy)\"")
        }
        self.missing = missing
        let type = try container.decode(String.self, forKey: .type)
        // Fields of another type (decimals on an integer, categories on a number) are refused
        // like misspelt ones: the column would not be what its author meant.
        let fields: [String: Set<String>] = ["categorical": ["categories"], "integer": ["lower", "upper", "bin_edges"],
                                             "real": ["lower", "upper", "bin_edges", "decimals"]]
        if let own = fields[type], let unknown = try UnknownFields.of(decoder, known: own.union(["name", "type", "missing"])).first {
            throw ApiaryError(.invalidEncoding, "column '\(name)': unknown field '\(unknown)' for \(type == "integer" ? "an" : "a") \(type) column (it has name, type, missing, \(own.sorted().joined(separator: ", ")))")
        }
        switch type {
        case "categorical":
            kind = .categorical(categories: try container.decode([String].self, forKey: .categories))
        case "integer":
            kind = .integer(lower: try container.decode(Double.self, forKey: .lower),
                            upper: try container.decode(Double.self, forKey: .upper),
                            binEdges: try container.decode([Double].self, forKey: .binEdges))
        case "real":
            kind = .real(lower: try container.decode(Double.self, forKey: .lower),
                         upper: try container.decode(Double.self, forKey: .upper),
                         binEdges: try container.decode([Double].self, forKey: .binEdges),
                         decimals: try container.decodeIfPresent(Int.self, forKey: .decimals))
        default:
            throw ApiaryError(.invalidEncoding, "column '\(name)': unknown type '\(type)'; expected categorical, integer or real")
        }
    }

    /// Encodes the flat JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch kind {
        case .categorical(let categories):
            try container.encode("categorical", forKey: .type)
            try container.encode(categories, forKey: .categories)
        case .integer(let lower, let upper, let edges):
            try container.encode("integer", forKey: .type)
            try container.encode(lower, forKey: .lower)
            try container.encode(upper, forKey: .upper)
            try container.encode(edges, forKey: .binEdges)
        case .real(let lower, let upper, let edges, let decimals):
            try container.encode("real", forKey: .type)
            try container.encode(lower, forKey: .lower)
            try container.encode(upper, forKey: .upper)
            try container.encode(edges, forKey: .binEdges)
            try container.encodeIfPresent(decimals, forKey: .decimals)
        }
        try container.encode(missing, forKey: .missing)
    }
}
