import Foundation
import Shared

/// `apiary-agent run --config FILE`: the institution's JSON configuration. Relative paths are
/// resolved against the configuration file's folder. Documented in docs/institution-guide.md.
public struct AgentConfiguration: Codable, Sendable, Equatable {
    /// The institution's kit folder (from `provision`). Required.
    public var kit: String
    /// The coordinator, "https://HOST:PORT". Required.
    public var coordinator: String
    /// The institution's private table (CSV). Required; never leaves this machine.
    public var data: String
    /// The consortium's agreed schema (JSON). Required.
    public var schema: String
    /// Private holdout rows (CSV, same schema), never used for training: the agent scores each
    /// candidate synthetic table against them in the quality round before publication.
    /// Optional; without it the agent contributes an empty score (zero records, plus its noise).
    public var holdout: String?
    /// State directory (budget record, prepared updates). Required; created 0700.
    public var state: String
    /// This institution's own privacy budget for the whole run. Default epsilon 1.0, delta 1e-6.
    public var epsilon: Double = 1.0
    public var delta: Double = 1e-6
    /// The least quorum this institution accepts for noise sizing. Default 2.
    public var minimumQuorum: Int = 2
    /// "reject" (default: a bad row rejects the file) or "skip" (skip and count bad rows).
    public var badRows: String = "reject"
    /// Long-poll wait in seconds. Default 25.
    public var pollSeconds: Double = 25

    static let keys: Set<String> = ["kit", "coordinator", "data", "schema", "holdout", "state", "epsilon", "delta", "minimumQuorum", "badRows", "pollSeconds"]

    public init(kit: String, coordinator: String, data: String, schema: String, state: String) {
        self.kit = kit
        self.coordinator = coordinator
        self.data = data
        self.schema = schema
        self.state = state
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kit = try c.decode(String.self, forKey: .kit)
        coordinator = try c.decode(String.self, forKey: .coordinator)
        data = try c.decode(String.self, forKey: .data)
        schema = try c.decode(String.self, forKey: .schema)
        state = try c.decode(String.self, forKey: .state)
        holdout = try c.decodeIfPresent(String.self, forKey: .holdout)
        epsilon = try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? epsilon
        delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? delta
        minimumQuorum = try c.decodeIfPresent(Int.self, forKey: .minimumQuorum) ?? minimumQuorum
        badRows = try c.decodeIfPresent(String.self, forKey: .badRows) ?? badRows
        pollSeconds = try c.decodeIfPresent(Double.self, forKey: .pollSeconds) ?? pollSeconds
    }

    /// Loads and validates a configuration file, resolving relative paths.
    public static func load(path: String) throws -> AgentConfiguration {
        var configuration = try ConfigurationFile.load(AgentConfiguration.self, path: path, knownKeys: keys)
        for keyPath in [\AgentConfiguration.kit, \.data, \.schema, \.state] {
            configuration[keyPath: keyPath] = ConfigurationFile.resolve(configuration[keyPath: keyPath], relativeTo: path)
        }
        configuration.holdout = configuration.holdout.map { ConfigurationFile.resolve($0, relativeTo: path) }
        _ = try HTTPSClient.parse(url: configuration.coordinator)
        guard configuration.epsilon > 0, configuration.delta > 0, configuration.delta < 1 else {
            throw ApiaryError(.invalidArgument, "\(path): epsilon must be positive and delta in (0, 1)")
        }
        guard configuration.minimumQuorum >= 1 else { throw ApiaryError(.invalidArgument, "\(path): minimumQuorum must be at least 1") }
        guard ["reject", "skip"].contains(configuration.badRows) else {
            throw ApiaryError(.invalidArgument, "\(path): badRows must be reject or skip")
        }
        guard configuration.pollSeconds > 0, configuration.pollSeconds <= 60 else {
            throw ApiaryError(.invalidArgument, "\(path): pollSeconds must be in (0, 60]")
        }
        return configuration
    }
}
