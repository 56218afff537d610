/// An institution's privacy budget: the (epsilon, delta) its agent may spend over the
/// lifetime of its data, set in the agent's configuration.
public struct PrivacyBudget: Sendable, Codable, Equatable {
    /// The largest total epsilon the agent will allow.
    public let epsilon: Double
    /// The delta at which spent epsilon is measured.
    public let delta: Double

    /// A budget of (epsilon, delta).
    /// - Throws: `ApiaryError(.invalidArgument)` naming the parameter for a non-positive or
    ///   non-finite epsilon, or a delta outside (0, 1).
    public init(epsilon: Double, delta: Double) throws {
        try PrivacyParameterCheck.positive(epsilon, "budget epsilon")
        try PrivacyParameterCheck.delta(delta, "budget delta")
        self.epsilon = epsilon
        self.delta = delta
    }

    private enum CodingKeys: String, CodingKey { case epsilon, delta }

    /// Decodes and validates {"epsilon": e, "delta": d}.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(epsilon: try container.decode(Double.self, forKey: .epsilon),
                      delta: try container.decode(Double.self, forKey: .delta))
    }
}
