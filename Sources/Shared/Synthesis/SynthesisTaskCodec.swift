import Foundation

/// Carries a generator's `RoundTask` over the round protocol: the coordinator wraps it into an
/// `UpdateTask` (packing, ciphertext count, privacy cost), the agent unwraps it and re-derives
/// everything it must not take on trust (the cost from the blocks' noise, the packing from the
/// task's value bounds).
public enum SynthesisTaskCodec {
    /// The `UpdateTask` for `task` in protocol round `roundId`.
    public static func updateTask(_ task: RoundTask, roundId: UInt64, schema: TableSchema, modulusBits: Int, agents: Int,
                                  quorum: Int, deadline: Date, modelHashIn: String?) throws -> UpdateTask {
        let layout = try task.packingLayout(modulusBits: modulusBits, maxSummands: agents)
        let count = task.outputCount(schema: schema)
        let parameters = String(decoding: try ProtocolJSON.encode(task), as: UTF8.self)
        return UpdateTask(roundId: roundId, step: GeneratorStep(generator: task.generator, name: "round-\(task.round)", parameters: parameters),
                          valueCount: count, ciphertextCount: layout.plaintextCount(for: count),
                          packing: PackingSpec(modulusBits: modulusBits, valueBits: layout.valueBits, maxSummands: agents),
                          quorum: quorum, privacyCost: try privacyCost(of: task, quorum: quorum), deadline: deadline, modelHashIn: modelHashIn)
    }

    /// The generator task inside an `UpdateTask`, checked for consistency with its envelope.
    public static func roundTask(from update: UpdateTask, schema: TableSchema) throws -> RoundTask {
        let task = try ProtocolJSON.decode(RoundTask.self, from: Array(update.step.parameters.utf8), what: "generator task")
        // Checked before anything is sized or charged from them: a malformed query must be an
        // error, not a crash (decoding a block already checked its noise against the query).
        for block in task.blocks {
            switch block.query {
            case .marginals(let query):
                try query.validate(schema: schema)
            case .qualityScores(let query):
                guard query == QualityScoreQuery.forSchema(schema, candidateSHA256: query.candidateSHA256) else {
                    throw ApiaryError(.protocolViolation, "round \(update.roundId): the quality query's parameters are not the consortium's")
                }
            case .copulaMoments:
                break
            }
        }
        guard task.outputCount(schema: schema) == update.valueCount else {
            throw ApiaryError(.protocolViolation, "round \(update.roundId): the step yields \(task.outputCount(schema: schema)) values, the task says \(update.valueCount)")
        }
        guard task.valueBits <= update.packing.valueBits else {
            throw ApiaryError(.protocolViolation, "round \(update.roundId): \(update.packing.valueBits)-bit slots cannot hold this step's values")
        }
        for block in task.blocks {
            if let noise = block.noise, noise.quorum != update.quorum {
                throw ApiaryError(.protocolViolation, "round \(update.roundId): block \(block.release) sizes its noise for \(noise.quorum) contributors, the round's quorum is \(update.quorum)")
            }
        }
        return task
    }

    /// Every noisy release of `task` at exactly `quorum` contributors (the worst case).
    public static func privacyCost(of task: RoundTask, quorum: Int) throws -> PrivacyCost {
        var mechanisms: [PrivacyCost.Mechanism] = []
        for block in task.blocks {
            guard let noise = block.noise else {
                throw ApiaryError(.invalidArgument, "block \(block.release) of round \(task.round) adds no noise: it would not be differentially private")
            }
            mechanisms.append(.skellam(mu: noise.actualTotalMu(contributors: quorum), l1: noise.l1, l2: noise.l2))
        }
        return PrivacyCost(mechanisms: mechanisms)
    }
}
