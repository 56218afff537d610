import Shared

/// The institution's local computation for synthesis rounds: evaluates the generator's
/// measurement blocks on the institution's own table (read and checked against the
/// consortium schema at start-up) and adds the agent's Skellam share to every coordinate.
public struct GeneratorComputation: LocalComputation {
    public let table: Table
    /// The least quorum this institution accepts for noise sizing (its own policy).
    public let minimumQuorum: Int

    public init(table: Table, minimumQuorum: Int) {
        self.table = table
        self.minimumQuorum = minimumQuorum
    }

    public func privacyCost(of task: UpdateTask) throws -> PrivacyCost {
        guard task.quorum >= minimumQuorum else {
            throw ApiaryError(.protocolViolation, "round \(task.roundId) sizes noise for \(task.quorum) contributors; this institution requires at least \(minimumQuorum)")
        }
        return try SynthesisTaskCodec.privacyCost(of: try SynthesisTaskCodec.roundTask(from: task, schema: table.schema), quorum: task.quorum)
    }

    public func privacyCost(of task: UpdateTask, contributors: Int) throws -> PrivacyCost {
        try SynthesisTaskCodec.privacyCost(of: try SynthesisTaskCodec.roundTask(from: task, schema: table.schema),
                                           quorum: max(contributors, task.quorum))
    }

    public func noisyVector(for task: UpdateTask, random: any RandomSource) throws -> [Int64] {
        let roundTask = try SynthesisTaskCodec.roundTask(from: task, schema: table.schema)
        return try LocalContribution.compute(task: roundTask, table: table, random: random)
    }
}
