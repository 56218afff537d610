/// What a `FederatedSimulation` produced.
public struct SimulationResult: Sendable {
    /// The synthetic table (as written to synthetic.csv).
    public let synthetic: Table
    /// The datasheet (as written).
    public let datasheet: Datasheet
    /// The fitted model.
    public let model: FittedModel
    /// What the scores missed of the configured quality gate (empty: passed; nil: no gate).
    /// A coordinator with the same `qualityGate` would not publish a candidate that missed any.
    public let gateFailures: [String]?
    /// Wall-clock seconds per phase ("read", "keys", "rounds", "fit+sample", "quality", "total").
    public let timings: [String: Double]
}
