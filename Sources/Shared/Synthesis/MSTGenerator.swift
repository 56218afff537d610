import Foundation

/// Federated MST (design brief 7.1), after McKenna, Miklau and Sheldon's MST (2021) with the
/// selection step made additive so it runs under secure aggregation.
///
/// - Round 1 releases "mst-one-way" (every column's counts at the schema's bins, L1 = d) and
///   "mst-selection" (every pair's counts at a coarse resolution, numeric columns merged to at
///   most `selectionGroups` groups, L1 = d(d-1)/2). Coarse cells hold more records each, so the
///   dependence signal survives the noise of measuring all pairs.
/// - The coordinator scores each pair by noisy mutual information minus the mutual information
///   that noise alone produces at that table's size and noise level (estimated by simulating
///   noise on the independence table; public facts only), and takes a maximum spanning tree.
/// - Round 2 releases "mst-tree": the d - 1 tree pairs (L1 = d - 1), with numeric columns
///   merged to the resolution the noise allows (`treeResolution`: an average cell keeps
///   `minimumSignal` noise deviations of signal; all bins without noise).
/// - Fit (post-processing): the record count is the inverse-variance mean of every measured
///   table's total; each column's distribution combines its own counts with the margins of its
///   tree pairs (inverse-variance, per group), projected onto non-negative counts with that total;
///   codes whose own noisy count is below `fineThreshold` noise deviations are taken as empty
///   (and a group with no other code is dropped: noise on an empty tail bin would otherwise
///   produce outliers), and within a group codes follow the column's own counts; each tree
///   pair's table is adjusted to those two margins (least squares, clipped at zero, IPF), which
///   makes the model consistent along every edge. Conditionals follow from the pair tables.
///
/// Budget: the Gaussian-part RDP is split by `weights` (default 1 : 1 : 3 for one-way,
/// selection and tree), see `PrivacyPlan`.
public struct MSTGenerator: Generator {
    /// "mst".
    public let name = "mst"
    /// Numeric columns are merged into at most this many groups for selection.
    public let selectionGroups: Int
    /// Budget weights of the one-way, selection and tree releases.
    public let weights: (oneWay: Double, selection: Double, tree: Double)
    /// Share of the independence table blended into each pair table before IPF (keeps every
    /// conditional defined).
    public let smoothing: Double
    /// Average pair cell count, in noise standard deviations, that sets the tree's resolution.
    public let minimumSignal: Double
    /// Noisy one-way counts below this many noise deviations count as empty within a group.
    public let fineThreshold: Double

    /// Release names.
    public static let oneWayRelease = "mst-one-way", selectionRelease = "mst-selection", treeRelease = "mst-tree"

    /// A generator with the given settings.
    public init(selectionGroups: Int = 4, weights: (oneWay: Double, selection: Double, tree: Double) = (1, 1, 3),
                smoothing: Double = 0.01, minimumSignal: Double = 2, fineThreshold: Double = 2) {
        self.fineThreshold = fineThreshold
        self.minimumSignal = minimumSignal
        self.selectionGroups = selectionGroups
        self.weights = weights
        self.smoothing = smoothing
    }

    /// Settings for the datasheet.
    public var parameters: [String: String] {
        ["selection_groups": "\(selectionGroups)",
         "budget_weights": "one-way \(weights.oneWay), selection \(weights.selection), tree \(weights.tree)",
         "smoothing": "\(smoothing)", "minimum_signal": "\(minimumSignal)", "fine_threshold": "\(fineThreshold)"]
    }

    /// The three releases (one for a one-column table).
    public func plannedReleases(schema: TableSchema) throws -> [PlannedRelease] {
        let d = schema.columns.count
        var releases = [PlannedRelease(name: Self.oneWayRelease, l1: Double(d), l2: Double(d).squareRoot(), weight: weights.oneWay)]
        if d >= 2 {
            let pairs = Double(d * (d - 1) / 2)
            releases.append(PlannedRelease(name: Self.selectionRelease, l1: pairs, l2: pairs.squareRoot(), weight: weights.selection))
            releases.append(PlannedRelease(name: Self.treeRelease, l1: Double(d - 1), l2: Double(d - 1).squareRoot(), weight: weights.tree))
        }
        return releases
    }

    /// Round 1, round 2, then the model.
    public func nextStep(schema: TableSchema, plan: PrivacyPlan, history: [RoundOutcome]) throws -> SynthesisStep {
        let d = schema.columns.count
        switch history.count {
        case 0:
            var blocks = [try MeasurementBlock(release: Self.oneWayRelease,
                                               query: .marginals(MarginalSetQuery(marginals: (0..<d).map { [$0] })),
                                               noise: plan.noise(for: Self.oneWayRelease))]
            if d >= 2 {
                let pairs = (0..<d).flatMap { i in ((i + 1)..<d).map { [i, $0] } }
                blocks.append(try MeasurementBlock(release: Self.selectionRelease,
                                                   query: .marginals(MarginalSetQuery(marginals: pairs,
                                                                                      maxGroups: Array(repeating: selectionGroups, count: d))),
                                                   noise: plan.noise(for: Self.selectionRelease)))
            }
            return .task(RoundTask(generator: name, round: 1, blocks: blocks))
        case 1 where d >= 2:
            let tree = try selectTree(schema: schema, round1: history[0])
            let noise = try plan.noise(for: Self.treeRelease)
            let resolution = treeResolution(schema: schema, total: try estimatedTotal(schema: schema, history: history),
                                            noiseVariance: noise.map { 2 * $0.actualTotalMu(contributors: plan.quorum) } ?? 0)
            let block = try MeasurementBlock(release: Self.treeRelease,
                                             query: .marginals(MarginalSetQuery(marginals: tree.map { [$0.0, $0.1] },
                                                                                maxGroups: resolution)),
                                             noise: noise)
            return .task(RoundTask(generator: name, round: 2, blocks: [block]))
        case 1, 2:
            return .finished(.tree(try fit(schema: schema, history: history)))
        default:
            throw ApiaryError(.invalidArgument, "MST runs two rounds; got a history of \(history.count)")
        }
    }

    // MARK: Resolution

    /// How many groups each numeric column gets in the tree round: as many as keep an average
    /// pair cell's count at `minimumSignal` noise standard deviations, k^2 <= N / (s sigma),
    /// between 2 and the schema's bins (all bins without noise). Uses only the noisy record
    /// estimate and the public noise level, so it is post-processing.
    public func treeResolution(schema: TableSchema, total: Double, noiseVariance: Double) -> [Int] {
        schema.columns.map { column in
            let fine = column.kind.valueCodeCount
            guard column.kind.isNumeric, noiseVariance > 0 else { return max(1, fine) }
            let cells = total / (minimumSignal * noiseVariance.squareRoot())
            return min(fine, max(2, Int(cells.squareRoot().rounded(.down))))
        }
    }

    // MARK: Selection

    /// The maximum spanning tree by noise-corrected mutual information of round 1's coarse pairs.
    public func selectTree(schema: TableSchema, round1: RoundOutcome) throws -> [(Int, Int)] {
        let d = schema.columns.count
        guard round1.task.blocks.count == 2, case .marginals(let query) = round1.task.blocks[1].query else {
            throw ApiaryError(.invalidArgument, "round 1 outcome does not hold MST's selection block")
        }
        let total = try estimatedTotal(schema: schema, history: [round1])
        let variance = round1.noiseVariance(block: 1)
        let cards = query.cardinalities(schema: schema)
        let tables = query.split(round1.sums[1], schema: schema)
        var score = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for (marginal, counts) in zip(query.marginals, tables) {
            let (i, j) = (marginal[0], marginal[1])
            let projected = MarginalProjection.projectToSimplex(counts.map(Double.init), total: total)
            var information = MarginalProjection.mutualInformation(projected, rows: cards[i], columns: cards[j])
            if variance > 0 {
                information -= Self.noiseOnlyInformation(projected, rows: cards[i], columns: cards[j], variance: variance, total: total)
            }
            score[i][j] = information
            score[j][i] = information
        }
        return MaximumSpanningTree.edges(nodes: d) { score[$0][$1] }
    }

    /// Mean mutual information of the independence table with this table's margins after
    /// Gaussian noise of `variance` per cell and projection: what noise alone contributes.
    /// Deterministic (fixed seed): it is post-processing of public quantities.
    static func noiseOnlyInformation(_ table: [Double], rows: Int, columns: Int, variance: Double, total: Double) -> Double {
        let rowSums = (0..<rows).map { r in (0..<columns).reduce(0) { $0 + table[r * columns + $1] } }
        let columnSums = (0..<columns).map { c in (0..<rows).reduce(0) { $0 + table[$1 * columns + c] } }
        let random = SeededRandom(seed: 0x4D53_5453 ^ UInt64(rows * 1000 + columns))
        let sigma = variance.squareRoot()
        let draws = 8
        var sum = 0.0
        for _ in 0..<draws {
            var noisy = [Double](repeating: 0, count: rows * columns)
            for r in 0..<rows {
                for c in 0..<columns {
                    noisy[r * columns + c] = rowSums[r] * columnSums[c] / max(total, 1) + sigma * Self.gaussian(random)
                }
            }
            sum += MarginalProjection.mutualInformation(MarginalProjection.projectToSimplex(noisy, total: total),
                                                        rows: rows, columns: columns)
        }
        return sum / Double(draws)
    }

    /// A standard normal draw (Box-Muller), for noise simulation in post-processing only.
    static func gaussian(_ random: some RandomSource) -> Double {
        let u = max(random.unitDouble(), 1e-300), v = random.unitDouble()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    // MARK: Fitting

    /// Inverse-variance mean of the totals of every marginal measured so far (at least 1).
    public func estimatedTotal(schema: TableSchema, history: [RoundOutcome]) throws -> Double {
        var estimates: [(values: [Double], variance: Double)] = []
        for outcome in history {
            for (index, block) in outcome.task.blocks.enumerated() {
                guard case .marginals(let query) = block.query else { continue }
                let variance = outcome.noiseVariance(block: index)
                for (counts, cells) in zip(query.split(outcome.sums[index], schema: schema), query.cellCounts(schema: schema)) {
                    estimates.append(([Double(counts.reduce(0, +))], variance * Double(cells)))
                }
            }
        }
        guard !estimates.isEmpty else { throw ApiaryError(.invalidArgument, "no marginals measured") }
        return max(1, MarginalProjection.combine(estimates)[0])
    }

    /// The consistent tree model from both rounds' outcomes.
    public func fit(schema: TableSchema, history: [RoundOutcome]) throws -> TreeModel {
        let d = schema.columns.count
        guard let round1 = history.first, case .marginals(let oneWayQuery) = round1.task.blocks[0].query else {
            throw ApiaryError(.invalidArgument, "MST fit needs round 1's one-way block")
        }
        let total = try estimatedTotal(schema: schema, history: history)
        let oneWay = oneWayQuery.split(round1.sums[0], schema: schema).map { $0.map(Double.init) }
        let oneWayVariance = round1.noiseVariance(block: 0)
        var groups = schema.codeCounts.map { Array(0..<$0) }
        var pairs: [(Int, Int)] = []
        var pairTables: [[Double]] = []
        var pairVariance = 0.0
        if d >= 2 {
            guard history.count == 2, case .marginals(let treeQuery) = history[1].task.blocks[0].query else {
                throw ApiaryError(.invalidArgument, "MST fit needs round 2's tree block")
            }
            groups = treeQuery.groups(schema: schema)
            pairs = treeQuery.marginals.map { ($0[0], $0[1]) }
            pairTables = treeQuery.split(history[1].sums[0], schema: schema).map { $0.map(Double.init) }
            pairVariance = history[1].noiseVariance(block: 0)
        }
        let cards = groups.map { ($0.max() ?? -1) + 1 }
        // Fine distribution of each column from its own counts; its groups' distribution from
        // those counts summed per group combined with the margins of its tree pairs, cell by
        // cell by inverse variance.
        var marginals: [[Double]] = []
        var withinGroup: [[Double]] = []
        for column in 0..<d {
            // Within a group: codes whose noisy count is below `fineThreshold` noise deviations
            // count as empty (a long tail bin must not receive noise mass: its values would be
            // outliers), the rest in proportion to their counts.
            let cutoff = fineThreshold * oneWayVariance.squareRoot()
            let kept = oneWay[column].map { $0 > cutoff ? $0 : 0 }
            let clipped = oneWay[column].map { max($0, 0) }
            var keptTotals = [Double](repeating: 0, count: cards[column])
            var clippedTotals = [Double](repeating: 0, count: cards[column])
            for (code, group) in groups[column].enumerated() {
                keptTotals[group] += kept[code]
                clippedTotals[group] += clipped[code]
            }
            withinGroup.append(groups[column].enumerated().map { code, group in
                if keptTotals[group] > 0 { return kept[code] / keptTotals[group] }
                if clippedTotals[group] > 0 { return clipped[code] / clippedTotals[group] }
                return 1 / Double(groups[column].filter { $0 == group }.count)
            })
            var weighted = [Double](repeating: 0, count: cards[column])
            var weights = [Double](repeating: 0, count: cards[column])
            func add(_ value: Double, variance: Double, at group: Int) {
                let weight = 1 / max(variance, 1e-12)
                weighted[group] += weight * value
                weights[group] += weight
            }
            var rawGroups = [Double](repeating: 0, count: cards[column])
            var sizes = [Double](repeating: 0, count: cards[column])
            for (code, group) in groups[column].enumerated() {
                rawGroups[group] += oneWay[column][code]
                sizes[group] += 1
            }
            for group in 0..<cards[column] { add(rawGroups[group], variance: oneWayVariance * sizes[group], at: group) }
            for ((a, b), table) in zip(pairs, pairTables) where a == column || b == column {
                let (rows, columns) = (cards[a], cards[b])
                if a == column {
                    for r in 0..<rows { add((0..<columns).reduce(0) { $0 + table[r * columns + $1] }, variance: pairVariance * Double(columns), at: r) }
                } else {
                    for c in 0..<columns { add((0..<rows).reduce(0) { $0 + table[$1 * columns + c] }, variance: pairVariance * Double(rows), at: c) }
                }
            }
            var combined = (0..<cards[column]).map { weighted[$0] / weights[$0] }
            // Support: a group none of whose codes stands out of the noise is taken as empty
            // (unless that would empty the column). Noise on empty tail bins would otherwise
            // create outliers that distort means and correlations.
            let supported = (0..<cards[column]).map { keptTotals[$0] > 0 }
            if supported.contains(true), oneWayVariance > 0 {
                for group in 0..<cards[column] where !supported[group] { combined[group] = 0 }
            }
            marginals.append(MarginalProjection.projectToSimplex(combined, total: total))
        }
        // Each pair: adjusted to the two margins, so consecutive edges agree on shared columns.
        let fittedPairs = zip(pairs, pairTables).map { pair, table in
            MarginalProjection.fitTable(table, rows: cards[pair.0], columns: cards[pair.1],
                                        rowSums: marginals[pair.0], columnSums: marginals[pair.1], smoothing: smoothing)
        }
        let root = schema.targetIndex ?? 0
        let oriented = MaximumSpanningTree.orient(pairs, nodes: d, root: root)
        var conditionals: [[Double]] = []
        for (parent, child) in oriented {
            let index = pairs.firstIndex { ($0.0 == parent && $0.1 == child) || ($0.0 == child && $0.1 == parent) }!
            let table = fittedPairs[index]
            let width = cards[pairs[index].1]
            let parentFirst = pairs[index].0 == parent
            var conditional = [Double](repeating: 0, count: cards[parent] * cards[child])
            for p in 0..<cards[parent] {
                let row = (0..<cards[child]).map { c in parentFirst ? table[p * width + c] : table[c * width + p] }
                let rowTotal = row.reduce(0, +)
                for c in 0..<cards[child] {
                    conditional[p * cards[child] + c] = rowTotal > 0 ? row[c] / rowTotal : marginals[child][c] / total
                }
            }
            conditionals.append(conditional)
        }
        return try TreeModel(schema: schema, root: root, edges: oriented.map { TreeEdge(parent: $0.parent, child: $0.child) },
                             groups: groups, marginals: marginals.map { m in m.map { $0 / total } },
                             conditionals: conditionals, withinGroup: withinGroup, estimatedRecords: total)
    }
}
