/// The DP Gaussian copula (design brief 7.2), for continuous-heavy tables: two additive passes.
///
/// - Pass 1, "copula-marginals": every column's counts at the schema's bins (L1 = d), projected
///   to non-negative counts with a common total; each code gets at least `floor` of the mass so
///   every normal score is finite.
/// - Pass 2, "copula-correlations": with pass 1's CDFs (public by then), each agent maps its
///   values to clipped normal scores and sums their pairwise products (`CopulaMomentQuery`).
///   The coordinator turns the sums of z_i z_j (i <= j) into correlations, normalising by the
///   clipped scores' own second moments, and takes the nearest correlation matrix (eigenvalue
///   clipping, unit diagonal).
/// - The model samples from pass 1's counts with the same support rule as MST
///   (`NoiseSupportRule`): codes below `supportThreshold` noise deviations are empty, and a
///   numeric bin with nothing passing beside it needs `isolatedThreshold` (the floor above only
///   keeps the agents' scores finite). A floor of 1% spread over a long tail's near-empty bins would otherwise
///   place 1% of the rows at random extremes, which breaks Pearson correlations.
/// Budget: weights `weights` (default 1 : 1) of the Gaussian-part RDP (see `PrivacyPlan`).
/// Clipping the score vector at squared norm C^2 = `clipFactor` d biases correlations slightly
/// toward zero and bounds the sensitivity.
public struct GaussianCopulaGenerator: Generator {
    /// "copula".
    public let name = "copula"
    /// Budget weights of the two passes.
    public let weights: (marginals: Double, correlations: Double)
    /// C^2 = clipFactor * d.
    public let clipFactor: Double
    /// Fixed-point scale of the products.
    public let scale: Double
    /// Least probability of a code in the agents' CDFs, as a fraction of uniform.
    public let floor: Double
    /// Pass-1 counts below this many noise deviations are empty when sampling.
    public let supportThreshold: Double
    /// A numeric bin whose neighbours are both below `supportThreshold` needs this many.
    public let isolatedThreshold: Double

    /// Release names.
    public static let marginalRelease = "copula-marginals", correlationRelease = "copula-correlations"

    /// A generator with the given settings.
    public init(weights: (marginals: Double, correlations: Double) = (1, 1), clipFactor: Double = 2,
                scale: Double = 64, floor: Double = 0.01, supportThreshold: Double = 2, isolatedThreshold: Double = 3) {
        self.supportThreshold = supportThreshold
        self.isolatedThreshold = isolatedThreshold
        self.weights = weights
        self.clipFactor = clipFactor
        self.scale = scale
        self.floor = floor
    }

    /// Settings for the datasheet.
    public var parameters: [String: String] {
        ["budget_weights": "marginals \(weights.marginals), correlations \(weights.correlations)",
         "clip_factor": "\(clipFactor)", "scale": "\(scale)", "support_threshold": "\(supportThreshold)",
         "isolated_threshold": "\(isolatedThreshold)"]
    }

    private func momentQuery(cumulative: [[Double]]) -> CopulaMomentQuery {
        CopulaMomentQuery(cumulative: cumulative, clipNormSquared: clipFactor * Double(cumulative.count), scale: scale)
    }

    /// The two releases (one for a one-column table).
    public func plannedReleases(schema: TableSchema) throws -> [PlannedRelease] {
        let d = schema.columns.count
        var releases = [PlannedRelease(name: Self.marginalRelease, l1: Double(d), l2: Double(d).squareRoot(), weight: weights.marginals)]
        if d >= 2 {
            // The sensitivity depends only on d, C^2 and the scale, not on the CDFs.
            let (l1, l2) = momentQuery(cumulative: [[Double]](repeating: [0, 1], count: d)).sensitivity
            releases.append(PlannedRelease(name: Self.correlationRelease, l1: l1, l2: l2, weight: weights.correlations))
        }
        return releases
    }

    /// Pass 1, pass 2, then the model.
    public func nextStep(schema: TableSchema, plan: PrivacyPlan, history: [RoundOutcome]) throws -> SynthesisStep {
        let d = schema.columns.count
        switch history.count {
        case 0:
            let block = try MeasurementBlock(release: Self.marginalRelease,
                                             query: .marginals(MarginalSetQuery(marginals: (0..<d).map { [$0] })),
                                             noise: plan.noise(for: Self.marginalRelease))
            return .task(RoundTask(generator: name, round: 1, blocks: [block]))
        case 1 where d >= 2:
            let (marginals, _) = try fitMarginals(schema: schema, round1: history[0])
            let block = try MeasurementBlock(release: Self.correlationRelease,
                                             query: .copulaMoments(momentQuery(cumulative: marginals.map(CopulaModel.boundaries))),
                                             noise: plan.noise(for: Self.correlationRelease))
            return .task(RoundTask(generator: name, round: 2, blocks: [block]))
        case 1, 2:
            let (counts, total) = try passOneCounts(schema: schema, round1: history[0])
            var correlation = SymmetricMatrix(identity: d)
            if d >= 2 {
                guard case .copulaMoments(let query) = history[1].task.blocks[0].query else {
                    throw ApiaryError(.invalidArgument, "copula fit needs pass 2's moment block")
                }
                // Second moments of the clipped scores; correlations normalise by their own
                // (noisy) variances, floored so noise cannot blow a ratio up.
                var moments = [Double](repeating: 0, count: d * d)
                var index = 0
                for i in 0..<d {
                    for j in i..<d {
                        moments[i * d + j] = Double(history[1].sums[0][index]) / (query.scale * total)
                        moments[j * d + i] = moments[i * d + j]
                        index += 1
                    }
                }
                var entries = correlation.entries
                for i in 0..<d {
                    for j in 0..<d where i != j {
                        let scale = (max(moments[i * d + i], 0.05) * max(moments[j * d + j], 0.05)).squareRoot()
                        entries[i * d + j] = min(0.999, max(-0.999, moments[i * d + j] / scale))
                    }
                }
                correlation = SymmetricMatrix(size: d, entries: entries).nearestCorrelation()
            }
            let marginals = samplingMarginals(schema: schema, counts: counts, total: total, noiseVariance: history[0].noiseVariance(block: 0))
            return .finished(.copula(try CopulaModel(schema: schema, marginals: marginals, correlation: correlation,
                                                     estimatedRecords: total)))
        default:
            throw ApiaryError(.invalidArgument, "the copula runs two passes; got a history of \(history.count)")
        }
    }

    /// Pass 1's noisy counts, per column, and the record estimate.
    func passOneCounts(schema: TableSchema, round1: RoundOutcome) throws -> (counts: [[Double]], total: Double) {
        guard case .marginals(let query) = round1.task.blocks[0].query else {
            throw ApiaryError(.invalidArgument, "copula fit needs pass 1's marginals")
        }
        let total = try MSTGenerator().estimatedTotal(schema: schema, history: [round1])
        return (query.split(round1.sums[0], schema: schema).map { $0.map(Double.init) }, total)
    }

    /// Pass 1's counts as probabilities (projected, floored, normalised) and the record estimate.
    func fitMarginals(schema: TableSchema, round1: RoundOutcome) throws -> ([[Double]], Double) {
        let (counts, total) = try passOneCounts(schema: schema, round1: round1)
        let marginals = counts.map { column -> [Double] in
            let projected = MarginalProjection.projectToSimplex(column, total: total)
            let k = Double(projected.count)
            return projected.map { (1 - floor) * $0 / total + floor / k }
        }
        return (marginals, total)
    }

    /// Pass 1's counts for sampling: the codes `NoiseSupportRule` keeps (of the pass's per-cell
    /// `noiseVariance`), projected onto non-negative counts with the record estimate and
    /// normalised. A numeric column whose kept codes hold less than `coarseCoverage` of the
    /// rows is read at the coarser resolution the noise allows where there is one
    /// (`NoiseSupportRule.coarseDistribution`), and a column none of whose codes is kept is flat over its range
    /// (`Discretiser.flatDistribution`: projecting pure noise would keep a few of its largest
    /// draws, a column of a handful of values). In a small table one bin's noise draw could
    /// otherwise be a column's only kept code, and the column collapsed onto that bin (diabetes
    /// at epsilon 1: a column in each of eight runs; docs/QUALITY.md).
    func samplingMarginals(schema: TableSchema, counts: [[Double]], total: Double, noiseVariance: Double) -> [[Double]] {
        let rule = NoiseSupportRule(fineThreshold: supportThreshold, isolatedThreshold: isolatedThreshold)
        let discretiser = Discretiser(schema: schema)
        let deviation = noiseVariance.squareRoot()
        return counts.enumerated().map { index, column -> [Double] in
            // A target's classes are all kept, as in MST (`MSTGenerator.groupCounts`).
            if index == schema.targetIndex { return MarginalProjection.projectToSimplex(column, total: total).map { $0 / total } }
            let kept = rule.keptCounts(column, column: schema.columns[index], deviation: deviation)
            if deviation > 0, schema.columns[index].kind.isNumeric, kept.reduce(0, +) < Self.coarseCoverage * total,
               let coarse = rule.coarseDistribution(column: index, counts: column, total: total, deviation: deviation, discretiser: discretiser) {
                return coarse
            }
            let supported = column.indices.filter { kept[$0] > 0 }
            if supported.isEmpty { return deviation > 0 ? discretiser.flatDistribution(column: index) : MarginalProjection.projectToSimplex(column, total: total).map { $0 / total } }
            return MarginalProjection.projectToSimplex(column, total: total, over: supported).map { $0 / total }
        }
    }

    /// Share of the rows a numeric column's kept codes must hold for sampling at the schema's
    /// bins (as `MSTGenerator.spreadCoverage`).
    static let coarseCoverage = MSTGenerator.spreadCoverage
}
