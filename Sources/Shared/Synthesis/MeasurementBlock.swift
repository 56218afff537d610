/// One block of a round task: a query, the planned release it belongs to, and the noise each
/// agent adds to it (nil when the run has no privacy).
public struct MeasurementBlock: Sendable, Codable, Equatable {
    /// The planned release's name (see `PrivacyPlan`).
    public let release: String
    /// What to compute.
    public let query: MeasurementQuery
    /// The distributed noise (each agent adds one share per coordinate).
    public let noise: DistributedSkellamNoise?

    /// A block; with noise, its sensitivities must be the query's.
    /// - Throws: `ApiaryError(.invalidArgument)` if the noise was calibrated for other sensitivities.
    public init(release: String, query: MeasurementQuery, noise: DistributedSkellamNoise?) throws {
        if let noise {
            let (l1, l2) = query.sensitivity
            guard abs(noise.l1 - l1) <= 1e-9 * l1, abs(noise.l2 - l2) <= 1e-9 * l2 else {
                throw ApiaryError(.invalidArgument, "release '\(release)': noise calibrated for L1 \(noise.l1), L2 \(noise.l2) but the query has L1 \(l1), L2 \(l2)")
            }
        }
        self.release = release
        self.query = query
        self.noise = noise
    }

    private enum CodingKeys: String, CodingKey { case release, query, noise }

    /// Decoding runs the same check: a task from the wire must not carry noise calibrated for
    /// another sensitivity (the agent's privacy cost is derived from that noise).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(release: try c.decode(String.self, forKey: .release), query: try c.decode(MeasurementQuery.self, forKey: .query),
                      noise: try c.decodeIfPresent(DistributedSkellamNoise.self, forKey: .noise))
    }
}
