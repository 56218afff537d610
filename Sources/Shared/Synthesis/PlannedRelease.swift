/// One noisy release a generator will make, known before round 1: its name, the sensitivity
/// of one record's contribution, and its share of the privacy budget.
public struct PlannedRelease: Sendable, Codable, Equatable {
    /// A name unique within the plan, e.g. "mst-one-way".
    public let name: String
    /// L1 sensitivity of the integer vector.
    public let l1: Double
    /// L2 sensitivity of the integer vector.
    public let l2: Double
    /// Relative share of the budget (the Gaussian-part RDP, l2^2 / (4 mu), is split in
    /// proportion to the weights).
    public let weight: Double

    /// A planned release.
    public init(name: String, l1: Double, l2: Double, weight: Double) {
        self.name = name
        self.l1 = l1
        self.l2 = l2
        self.weight = weight
    }
}
