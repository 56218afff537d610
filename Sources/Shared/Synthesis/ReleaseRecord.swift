/// What a datasheet records about one noisy release: its sensitivity, the noise actually in
/// the sum, and the contributors (design brief section 6).
public struct ReleaseRecord: Sendable, Codable, Equatable {
    /// The release's name.
    public let name: String
    /// The round it was made in.
    public let round: Int
    /// L1 sensitivity.
    public let l1: Double
    /// L2 sensitivity.
    public let l2: Double
    /// Actual total Skellam mu per coordinate (0 without noise).
    public let totalMu: Double
    /// Number of contributing institutions.
    public let contributors: Int
    /// Length of the released vector.
    public let coordinates: Int

    private enum CodingKeys: String, CodingKey {
        case name, round, l1, l2, contributors, coordinates
        case totalMu = "total_mu"
    }

    /// A record.
    public init(name: String, round: Int, l1: Double, l2: Double, totalMu: Double, contributors: Int, coordinates: Int) {
        self.name = name
        self.round = round
        self.l1 = l1
        self.l2 = l2
        self.totalMu = totalMu
        self.contributors = contributors
        self.coordinates = coordinates
    }
}
