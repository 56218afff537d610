/// A finished round as the coordinator saw it: the task, the decoded noisy sums of each block
/// and the number of agents whose updates are in them. Generators read their history of
/// outcomes to decide the next step, so a coordinator can persist and resume a run.
public struct RoundOutcome: Sendable, Codable, Equatable {
    /// The task that was run.
    public let task: RoundTask
    /// Decoded sums, one array per block.
    public let sums: [[Int64]]
    /// Number of contributing agents (the k of the packing offset and of the actual noise).
    public let contributors: Int

    /// An outcome.
    public init(task: RoundTask, sums: [[Int64]], contributors: Int) {
        self.task = task
        self.sums = sums
        self.contributors = contributors
    }

    /// Per-coordinate variance of the noise in block `index` (2 mu with the actual mu; 0 without noise).
    public func noiseVariance(block index: Int) -> Double {
        guard let noise = task.blocks[index].noise else { return 0 }
        return 2 * noise.actualTotalMu(contributors: contributors)
    }
}
