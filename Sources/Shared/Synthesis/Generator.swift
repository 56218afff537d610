/// A federated synthetic-data generator (design brief section 7), split along the trust
/// boundary:
///
/// - Before round 1 it lists every noisy release it will make (`plannedReleases`), with the
///   sensitivity of one record, so the whole budget is calibrated once (`PrivacyPlan`) and each
///   agent can check it against its own budget before spending anything.
/// - For each round it issues a `RoundTask`: blocks of `MeasurementQuery` (data, not code)
///   that every agent evaluates on its own rows, adding its Skellam share
///   (`LocalContribution`); the agents' vectors are packed, encrypted and summed, and only the
///   noisy sum is decrypted.
/// - From the history of decoded sums it decides the next step: another task, or the fitted
///   model. Everything after decryption is post-processing of differentially private sums.
///
/// Generators are stateless values: all state is in the history, which a coordinator persists.
public protocol Generator: Sendable {
    /// The name recorded in tasks and datasheets, e.g. "mst".
    var name: String { get }
    /// Public settings for the datasheet.
    var parameters: [String: String] { get }
    /// Every noisy release of a run on `schema`, in order, with its sensitivity and budget weight.
    func plannedReleases(schema: TableSchema) throws -> [PlannedRelease]
    /// The next task, or the model once the history is complete.
    func nextStep(schema: TableSchema, plan: PrivacyPlan, history: [RoundOutcome]) throws -> SynthesisStep
}
