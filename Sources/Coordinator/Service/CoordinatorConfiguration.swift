import Foundation
import Shared

/// `apiary-coordinator serve --config FILE`: the coordinator's JSON configuration. Relative
/// paths are resolved against the configuration file's folder. Documented in docs/operator-guide.md.
public struct CoordinatorConfiguration: Codable, Sendable, Equatable {
    /// The coordinator's kit folder (from `provision`). Required.
    public var kit: String
    /// The state directory (rounds, ledger, datasets). Required; created 0700.
    public var state: String
    /// The agreed table schema (JSON). Required.
    public var schema: String
    /// Address to listen on. Default "127.0.0.1:8443".
    public var listen: String = "127.0.0.1:8443"
    /// Generator: "mst" (default) or "copula".
    public var generator: String = "mst"
    /// Total privacy budget of the run per record. Default 1.0.
    public var epsilon: Double = 1.0
    /// Default 1e-6.
    public var delta: Double = 1e-6
    /// Contributors the noise is sized for (t_min). Default: the decryption threshold t.
    public var quorum: Int?
    /// Seconds a round collects updates before closing with quorum. Default 120.
    public var collectionSeconds: Double = 120
    /// Seconds after which a round without quorum fails. Default 1800.
    public var failAfterSeconds: Double = 1_800
    /// Seconds the committee has to decrypt. Default 300.
    public var decryptionSeconds: Double = 300
    /// Longest a ledger entry waits for co-signatures while the job's rounds still run (heads are
    /// batched per job, docs/ledger.md "Finality"). Default 300.
    public var finalityDelaySeconds: Double = 300
    /// Share of the budget spent on the quality round before publication: every institution
    /// scores the candidate against its own holdout (agent setting `holdout`), the scores are
    /// aggregated like any round and printed in the datasheet. 0 publishes without one.
    /// Default 0.1.
    public var qualityBudgetShare: Double = 0.1
    /// Thresholds the quality round's noisy scores must reach for the candidate to be published
    /// (`QualityGate`: `minimumColumnShapes`, `minimumPairTrends`, `minimumAUC`); absent, every
    /// candidate is published with its scores. Default absent.
    public var qualityGate: QualityGate?
    /// Connections served at once. Default 256.
    public var maxConnections: Int = 256
    /// Largest request body in bytes. Default 268435456 (256 MiB).
    public var maxBodyBytes: Int = 256 * 1024 * 1024

    static let keys: Set<String> = ["kit", "state", "schema", "listen", "generator", "epsilon", "delta", "quorum", "collectionSeconds",
                                    "failAfterSeconds", "decryptionSeconds", "finalityDelaySeconds", "qualityBudgetShare", "qualityGate", "maxConnections", "maxBodyBytes"]

    public init(kit: String, state: String, schema: String) {
        self.kit = kit
        self.state = state
        self.schema = schema
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kit = try c.decode(String.self, forKey: .kit)
        state = try c.decode(String.self, forKey: .state)
        schema = try c.decode(String.self, forKey: .schema)
        listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? listen
        generator = try c.decodeIfPresent(String.self, forKey: .generator) ?? generator
        epsilon = try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? epsilon
        delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? delta
        quorum = try c.decodeIfPresent(Int.self, forKey: .quorum)
        collectionSeconds = try c.decodeIfPresent(Double.self, forKey: .collectionSeconds) ?? collectionSeconds
        failAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .failAfterSeconds) ?? failAfterSeconds
        decryptionSeconds = try c.decodeIfPresent(Double.self, forKey: .decryptionSeconds) ?? decryptionSeconds
        finalityDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .finalityDelaySeconds) ?? finalityDelaySeconds
        qualityBudgetShare = try c.decodeIfPresent(Double.self, forKey: .qualityBudgetShare) ?? qualityBudgetShare
        qualityGate = try c.decodeIfPresent(QualityGate.self, forKey: .qualityGate)
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? maxConnections
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
    }

    /// Loads and validates a configuration file, resolving relative paths.
    public static func load(path: String) throws -> CoordinatorConfiguration {
        var configuration = try ConfigurationFile.load(CoordinatorConfiguration.self, path: path, knownKeys: keys)
        configuration.kit = ConfigurationFile.resolve(configuration.kit, relativeTo: path)
        configuration.state = ConfigurationFile.resolve(configuration.state, relativeTo: path)
        configuration.schema = ConfigurationFile.resolve(configuration.schema, relativeTo: path)
        try configuration.validate(path: path)
        return configuration
    }

    func validate(path: String) throws {
        _ = try ConfigurationFile.hostAndPort(listen, field: "\(path): listen")
        guard GeneratorKind(rawValue: generator) != nil else {
            throw ApiaryError(.invalidArgument, "\(path): generator must be one of \(GeneratorKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard epsilon > 0, !epsilon.isNaN else { throw ApiaryError(.invalidArgument, "\(path): epsilon must be positive") }
        guard delta > 0, delta < 1 else { throw ApiaryError(.invalidArgument, "\(path): delta must lie in (0, 1)") }
        guard collectionSeconds > 0, failAfterSeconds >= collectionSeconds, decryptionSeconds > 0 else {
            throw ApiaryError(.invalidArgument, "\(path): round timeouts must be positive, failAfterSeconds >= collectionSeconds")
        }
        guard finalityDelaySeconds >= 0, !finalityDelaySeconds.isNaN else {
            throw ApiaryError(.invalidArgument, "\(path): finalityDelaySeconds must not be negative")
        }
        guard qualityBudgetShare >= 0, qualityBudgetShare < 1 else {
            throw ApiaryError(.invalidArgument, "\(path): qualityBudgetShare must be in [0, 1)")
        }
        try qualityGate?.validate(schema: nil, qualityBudgetShare: qualityBudgetShare, field: "\(path): qualityGate")
        guard maxConnections >= 1, maxBodyBytes >= 1024 else { throw ApiaryError(.invalidArgument, "\(path): limits must be positive") }
    }
}
