/// A fitted generative model: it samples synthetic rows that follow the schema.
public protocol SynthesisModel: Sendable {
    /// The schema rows are sampled in.
    var schema: TableSchema { get }
    /// The noisy estimate of the number of real records the model was fitted on.
    var estimatedRecords: Double { get }
    /// The dependencies between columns the model keeps, one line each in column names, for
    /// the datasheet: a researcher reads there which associations the table can carry (a
    /// pair the model does not link is independent given its neighbours). Public: the
    /// structure is post-processing of noisy releases.
    var structure: [String] { get }
    /// `rows` synthetic rows drawn with `random`.
    func sample(rows: Int, using random: some RandomSource) -> Table
}
