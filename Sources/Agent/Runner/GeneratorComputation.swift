import Shared

/// The institution's local computation for synthesis rounds: evaluates the generator's
/// measurement blocks on the institution's own table (read and checked against the
/// consortium schema at start-up) and adds the agent's Skellam share to every coordinate.
///
/// A quality round scores the coordinator's candidate table against the institution's
/// holdout: the candidate is fetched from the coordinator by the SHA-256 the task names, its
/// bytes are checked against that hash and read against the schema before anything is scored.
public struct GeneratorComputation: LocalComputation {
    public let table: Table
    /// The least quorum this institution accepts for noise sizing (its own policy).
    public let minimumQuorum: Int
    /// Holdout rows for quality rounds (nil: an empty holdout, zero records scored).
    public let holdout: Table?
    /// Where candidates are fetched from (`GET /v1/candidates/{sha256}`); nil refuses quality rounds.
    public let coordinator: (any HTTPTransport)?
    private let candidates = CandidateCache()

    public init(table: Table, minimumQuorum: Int, holdout: Table? = nil, coordinator: (any HTTPTransport)? = nil) {
        self.table = table
        self.minimumQuorum = minimumQuorum
        self.holdout = holdout
        self.coordinator = coordinator
    }

    public func privacyCost(of task: UpdateTask) throws -> PrivacyCost {
        guard task.quorum >= minimumQuorum else {
            throw ApiaryError(.protocolViolation, "round \(task.roundId) sizes noise for \(task.quorum) contributors; this institution requires at least \(minimumQuorum)")
        }
        let roundTask = try SynthesisTaskCodec.roundTask(from: task, schema: table.schema)
        // Called before the budget is charged: a candidate that cannot be fetched and checked
        // refuses the round here, so retries cost nothing.
        if let query = Self.qualityQueries(roundTask).first { _ = try candidate(sha256: query.candidateSHA256) }
        return try SynthesisTaskCodec.privacyCost(of: roundTask, quorum: task.quorum)
    }

    public func privacyCost(of task: UpdateTask, contributors: Int) throws -> PrivacyCost {
        try SynthesisTaskCodec.privacyCost(of: try SynthesisTaskCodec.roundTask(from: task, schema: table.schema),
                                           quorum: max(contributors, task.quorum))
    }

    public func noisyVector(for task: UpdateTask, random: any RandomSource) throws -> [Int64] {
        let roundTask = try SynthesisTaskCodec.roundTask(from: task, schema: table.schema)
        let qualityQueries = Self.qualityQueries(roundTask)
        guard let query = qualityQueries.first else {
            return try LocalContribution.compute(task: roundTask, table: table, random: random)
        }
        guard qualityQueries.allSatisfy({ $0.candidateSHA256 == query.candidateSHA256 }) else {
            throw ApiaryError(.protocolViolation, "round \(task.roundId) asks to score more than one candidate")
        }
        if holdout == nil {
            Log.warning("agent.quality_without_holdout", ["round": String(task.roundId),
                                                          "reason": "no holdout configured; scoring zero records"])
        }
        return try LocalContribution.compute(task: roundTask, table: table, holdout: holdout ?? Table(schema: table.schema),
                                             candidate: try candidate(sha256: query.candidateSHA256), random: random)
    }

    static func qualityQueries(_ task: RoundTask) -> [QualityScoreQuery] {
        task.blocks.compactMap { block in
            if case .qualityScores(let query) = block.query { return query }
            return nil
        }
    }

    /// The candidate table named by `sha256`, fetched and checked (once per candidate).
    public func candidate(sha256: String) throws -> Table {
        try candidates.table(sha256: sha256) { try fetchCandidate(sha256: sha256) }
    }

    private func fetchCandidate(sha256: String) throws -> Table {
        guard let coordinator else {
            throw ApiaryError(.invalidArgument, "this agent has no coordinator connection to fetch candidate \(sha256.prefix(16))")
        }
        guard SHA256.isHexDigest(sha256) else {
            throw ApiaryError(.protocolViolation, "candidate hash '\(sha256.prefix(80))' is not a lowercase hex SHA-256")
        }
        let response = try coordinator.send(HTTPRequest(method: "GET", target: "/v1/candidates/\(sha256)"))
        guard response.status == 200 else {
            throw ApiaryError(.protocolViolation, "coordinator answered \(response.status) when fetching candidate \(sha256.prefix(16)): \(response.bodyText.prefix(300))")
        }
        guard SHA256.hash(response.body).hexString == sha256 else {
            throw ApiaryError(.verificationFailed, "the candidate the coordinator sent does not match its hash \(sha256.prefix(16)); refusing to score it")
        }
        return try CSVReader(schema: table.schema).read(bytes: response.body, name: "candidate-\(sha256.prefix(16)).csv").table
    }
}
