/// What a `FederatedSimulation` produced.
public struct SimulationResult: Sendable {
    /// The synthetic table (as written to synthetic.csv).
    public let synthetic: Table
    /// The datasheet (as written).
    public let datasheet: Datasheet
    /// The fitted model.
    public let model: FittedModel
    /// Wall-clock seconds per phase ("read", "keys", "rounds", "fit+sample", "quality", "total").
    public let timings: [String: Double]
}
