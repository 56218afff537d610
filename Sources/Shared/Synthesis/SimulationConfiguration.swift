/// The settings of a `FederatedSimulation` (the options of `apiary-coordinator simulate`).
public struct SimulationConfiguration: Sendable {
    /// An institution: a name and its private CSV file.
    public struct Institution: Sendable, Equatable {
        /// The institution's name (public).
        public let name: String
        /// Path of its CSV file.
        public let path: String
        /// An institution.
        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    /// The agreed schema.
    public var schema: TableSchema
    /// The institutions (at least one).
    public var institutions: [Institution]
    /// Target epsilon over the whole run (+infinity: no noise).
    public var epsilon: Double
    /// Target delta.
    public var delta: Double
    /// The generator.
    public var generator: GeneratorKind
    /// Synthetic rows to sample (nil: the noisy estimate of the real record count).
    public var rows: Int?
    /// Paillier modulus size.
    public var keyBits: Int
    /// Seed for the noise and sampling (reproducible experiments only; nil: OpenSSL randomness).
    public var seed: UInt64?
    /// A real holdout CSV to score the candidate against (split across institutions).
    public var holdoutPath: String?
    /// Folder for synthetic.csv, datasheet.json and datasheet.md.
    public var outputDirectory: String
    /// t_min: the noise is sized for this many contributors (nil: all institutions).
    public var quorum: Int?
    /// How many institutions must decrypt each aggregate with their threshold key shares
    /// (nil: a majority, floor(n/2) + 1, for two or more institutions; 0: one full key).
    public var threshold: Int?
    /// Bad-row policy for every CSV read.
    public var badRows: BadRowPolicy
    /// Share of the privacy budget spent on the quality scores when a holdout is given.
    public var qualityBudgetShare: Double
    /// Thresholds the quality scores must reach, as the coordinator's `qualityGate` setting
    /// (needs a holdout); nil: the scores are reported only.
    public var qualityGate: QualityGate?

    /// A configuration with defaults for the optional settings.
    public init(schema: TableSchema, institutions: [Institution], epsilon: Double, delta: Double,
                generator: GeneratorKind = .mst, rows: Int? = nil, keyBits: Int = 2048, seed: UInt64? = nil,
                holdoutPath: String? = nil, outputDirectory: String, quorum: Int? = nil,
                threshold: Int? = nil, badRows: BadRowPolicy = .reject, qualityBudgetShare: Double = 0.1,
                qualityGate: QualityGate? = nil) {
        self.qualityGate = qualityGate
        self.threshold = threshold
        self.schema = schema
        self.institutions = institutions
        self.epsilon = epsilon
        self.delta = delta
        self.generator = generator
        self.rows = rows
        self.keyBits = keyBits
        self.seed = seed
        self.holdoutPath = holdoutPath
        self.outputDirectory = outputDirectory
        self.quorum = quorum
        self.badRows = badRows
        self.qualityBudgetShare = qualityBudgetShare
    }
}
