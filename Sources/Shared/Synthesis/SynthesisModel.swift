/// A fitted generative model: it samples synthetic rows that follow the schema.
public protocol SynthesisModel: Sendable {
    /// The schema rows are sampled in.
    var schema: TableSchema { get }
    /// The noisy estimate of the number of real records the model was fitted on.
    var estimatedRecords: Double { get }
    /// `rows` synthetic rows drawn with `random`.
    func sample(rows: Int, using random: some RandomSource) -> Table
}
