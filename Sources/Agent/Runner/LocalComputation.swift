import Shared

/// What an agent computes on its private rows for a round: the integer vector of the task's
/// step with the agent's noise share already added and contributions already bounded.
/// `GeneratorComputation` evaluates generator steps on the institution's table; tests use
/// fixed vectors.
public protocol LocalComputation: Sendable {
    /// The privacy cost of contributing to `task`, derived from the noise this computation will
    /// add (never taken from the coordinator's word).
    func privacyCost(of task: UpdateTask) throws -> PrivacyCost
    /// The actual privacy cost once the round has `contributors` contributors (at least the
    /// quorum, so at most `privacyCost(of:)`).
    func privacyCost(of task: UpdateTask, contributors: Int) throws -> PrivacyCost
    /// The bounded, noised integer vector for `task`.
    func noisyVector(for task: UpdateTask, random: any RandomSource) throws -> [Int64]
}
