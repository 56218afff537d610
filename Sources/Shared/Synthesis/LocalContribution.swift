/// What an agent does with a round task: evaluates each block on its own table, adds its
/// Skellam noise share to every coordinate, and returns the concatenated integer vector,
/// ready for `PackedCodec.encode(integers:)` and encryption.
public enum LocalContribution {
    /// The agent's noisy vector for `task` on `table`. `holdout` and `candidate` are needed
    /// only for quality blocks (the caller checks the candidate against the task's hash).
    /// - Throws: `ApiaryError(.outOfRange)` if the agent holds more records than the task's
    ///   public cap (its values could overflow the packing slots); `.invalidArgument` for a
    ///   quality block without a holdout or candidate, or a block that does not fit the schema.
    public static func compute(task: RoundTask, table: Table, holdout: Table? = nil, candidate: Table? = nil,
                               classifier: TargetClassifier? = nil, random: some RandomSource) throws -> [Int64] {
        guard table.rowCount <= task.maxRecordsPerAgent, (holdout?.rowCount ?? 0) <= task.maxRecordsPerAgent else {
            throw ApiaryError(.outOfRange, "this institution holds more records than the task's cap of \(task.maxRecordsPerAgent)")
        }
        var vector: [Int64] = []
        var codes: [[Int]]? = nil
        for block in task.blocks {
            var values: [Int64]
            switch block.query {
            case .marginals(let query):
                if codes == nil { codes = table.codes() }
                values = try query.evaluate(codes: codes!, schema: table.schema)
            case .copulaMoments(let query):
                values = try query.evaluate(table: table)
            case .qualityScores(let query):
                guard let holdout, let candidate else {
                    throw ApiaryError(.invalidArgument, "a quality block needs the agent's holdout and the candidate table")
                }
                values = try query.evaluate(holdout: holdout, candidate: candidate, classifier: classifier)
            }
            if let noise = block.noise {
                let sampler = try noise.shareSampler()
                for index in values.indices { values[index] += sampler.sample(using: random) }
            }
            vector.append(contentsOf: values)
        }
        return vector
    }
}
