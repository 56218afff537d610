import Shared

/// Turns a round's decoded sum into the next model and the next task: the aggregation
/// strategy. The engine calls it once per round, after combination, with the exact integer
/// sums (noise included) and the number of contributors they came from.
public protocol RoundApplier: Sendable {
    /// Applies the sums; returns the new model's SHA-256 (hex) and the next round's task, if any.
    func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?)
}
