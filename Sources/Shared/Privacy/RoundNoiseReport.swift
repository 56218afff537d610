/// The privacy facts a round records about its distributed noise: who contributed, the
/// noise the sum actually carries, and the epsilon computed from that actual noise.
public struct RoundNoiseReport: Sendable, Codable, Equatable {
    /// Number of agents whose noisy updates are in the sum.
    public let contributors: Int
    /// Actual total per-coordinate Skellam mu of the sum (contributors times the share).
    public let totalMu: Double
    /// Epsilon of the release at `delta`, from the actual noise.
    public let epsilon: Double
    /// The RDP order that gave `epsilon`.
    public let order: Double
    /// The delta used.
    public let delta: Double

    /// A report with the given fields.
    public init(contributors: Int, totalMu: Double, epsilon: Double, order: Double, delta: Double) {
        self.contributors = contributors
        self.totalMu = totalMu
        self.epsilon = epsilon
        self.order = order
        self.delta = delta
    }
}
