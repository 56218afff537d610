import Foundation

/// Federated MST (design brief 7.1), after McKenna, Miklau and Sheldon's MST (2021) with the
/// selection step made additive so it runs under secure aggregation.
///
/// - Round 1 releases "mst-one-way" (every column's counts at the schema's bins, L1 = d).
/// - Round 2 releases "mst-selection" (every pair's counts at a coarse resolution, L1 =
///   d(d-1)/2): each column's bins or categories merged into at most `selectionGroups` groups
///   by round 1's noisy mass (`Discretiser.massGroups`, post-processing). Coarse cells hold more
///   records each, so the dependence signal survives the noise of measuring all pairs, and
///   groups of similar mass carry the most of it (a group of empty tail bins carries none).
/// - The coordinator scores each pair by noisy mutual information minus the mutual information
///   that noise alone produces at that table's size and noise level (estimated by simulating
///   noise on the independence table; public facts only), and takes a maximum spanning tree.
/// - Round 3 releases "mst-tree": one table per non-root column, oriented from the root (L1 =
///   d - 1): its tree pair, or (second parent, parent, child) with the first earlier column, in
///   target-weighted score order, whose triple keeps enough signal (`treeMarginals`); numeric
///   columns merged, by the least added spread of values, to the resolution the noise allows
///   (`treeResolution`: an average cell keeps `minimumSignal` noise deviations of signal; all
///   bins without noise).
/// - Fit (post-processing): the record count is the inverse-variance mean of every measured
///   table's total; each column's distribution combines its own counts with the margins of its
///   tree tables (inverse-variance, per group), projected onto non-negative counts with that total;
///   codes whose own noisy count is below `fineThreshold` noise deviations (a numeric bin
///   without such a neighbour: `isolatedThreshold`) are taken as empty
///   (and a group with no other code is dropped: noise on an empty tail bin would otherwise
///   produce outliers), and within a group codes follow the column's own counts; (parent,
///   child) cells below `cellThreshold` noise deviations are empty; each tree
///   pair's table is adjusted to those two margins (least squares, clipped at zero, IPF), which
///   makes the model consistent along every edge. Conditionals follow from the pair tables.
///
/// Budget: the Gaussian-part RDP is split by `weights` (default 1 : 1 : 3 for one-way,
/// selection and tree), see `PrivacyPlan`.
public struct MSTGenerator: Generator {
    /// "mst".
    public let name = "mst"
    /// Columns are merged into at most this many groups (by noisy mass) for selection.
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
    /// A numeric column's bin whose neighbours are both below `fineThreshold` needs this many.
    public let isolatedThreshold: Double
    /// Cells of the tree round's pair tables below this many noise deviations count as empty.
    public let cellThreshold: Double
    /// Factor on the selection score of pairs with the schema's target (`treeWeight`).
    public let targetWeight: Double
    /// Whether the selection round merges categorical columns by mass too (`codeGroups`).
    public let selectionMergesCategories: Bool

    /// Release names.
    public static let oneWayRelease = "mst-one-way", selectionRelease = "mst-selection", treeRelease = "mst-tree"

    /// A generator with the given settings.
    public init(selectionGroups: Int = 3, weights: (oneWay: Double, selection: Double, tree: Double) = (1, 1, 3),
                smoothing: Double = 0.01, minimumSignal: Double = 2, fineThreshold: Double = 2, isolatedThreshold: Double = 3, cellThreshold: Double = 2, targetWeight: Double = 2,
                selectionMergesCategories: Bool = true) {
        self.fineThreshold = fineThreshold
        self.selectionMergesCategories = selectionMergesCategories
        self.isolatedThreshold = isolatedThreshold
        self.targetWeight = targetWeight
        self.cellThreshold = cellThreshold
        self.minimumSignal = minimumSignal
        self.selectionGroups = selectionGroups
        self.weights = weights
        self.smoothing = smoothing
    }

    /// Settings for the datasheet.
    public var parameters: [String: String] {
        ["selection_groups": "\(selectionGroups)",
         "budget_weights": "one-way \(weights.oneWay), selection \(weights.selection), tree \(weights.tree)",
         "smoothing": "\(smoothing)", "minimum_signal": "\(minimumSignal)", "fine_threshold": "\(fineThreshold)", "isolated_threshold": "\(isolatedThreshold)",
         "cell_threshold": "\(cellThreshold)", "target_weight": "\(targetWeight)",
         "selection_merges_categories": "\(selectionMergesCategories)"]
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

    /// The one-way, selection and tree rounds, then the model.
    public func nextStep(schema: TableSchema, plan: PrivacyPlan, history: [RoundOutcome]) throws -> SynthesisStep {
        let d = schema.columns.count
        // Runs started before the selection round of its own measured selection in round 1;
        // continuing one here would measure the selection release a second time.
        if let first = history.first, first.task.blocks.count != 1 {
            throw ApiaryError(.invalidArgument, "this MST run's round 1 holds \(first.task.blocks.count) releases: it was started by an Apiary version that measured selection in round 1; finish it with that version or start a new run")
        }
        switch history.count {
        case 0:
            let block = try MeasurementBlock(release: Self.oneWayRelease,
                                             query: .marginals(MarginalSetQuery(marginals: (0..<d).map { [$0] })),
                                             noise: plan.noise(for: Self.oneWayRelease))
            return .task(RoundTask(generator: name, round: 1, blocks: [block]))
        case 1 where d >= 2:
            let pairs = (0..<d).flatMap { i in ((i + 1)..<d).map { [i, $0] } }
            let groups = try codeGroups(schema: schema, round1: history[0], resolution: Array(repeating: selectionGroups, count: d), bySpread: false)
            let block = try MeasurementBlock(release: Self.selectionRelease,
                                             query: .marginals(MarginalSetQuery(marginals: pairs, codeGroups: groups)),
                                             noise: plan.noise(for: Self.selectionRelease))
            return .task(RoundTask(generator: name, round: 2, blocks: [block]))
        case 2 where d >= 2:
            let total = try estimatedTotal(schema: schema, history: history)
            let scores = try selectionScores(schema: schema, selection: history[1], total: total)
            let tree = MaximumSpanningTree.edges(nodes: d) { treeWeight(scores[$0][$1], $0, $1, target: schema.targetIndex) }
            let noise = try plan.noise(for: Self.treeRelease)
            let noiseVariance = noise.map { 2 * $0.actualTotalMu(contributors: plan.quorum) } ?? 0
            let resolution = treeResolution(schema: schema, total: total, noiseVariance: noiseVariance)
            let treeGroups = try codeGroups(schema: schema, round1: history[0], resolution: resolution, bySpread: true)
            let marginals = treeMarginals(tree: tree, scores: scores, root: schema.targetIndex ?? 0, target: schema.targetIndex,
                                          cardinalities: treeGroups.map { ($0.max() ?? -1) + 1 },
                                          total: total, noiseVariance: noiseVariance)
            let block = try MeasurementBlock(release: Self.treeRelease,
                                             query: .marginals(MarginalSetQuery(marginals: marginals, codeGroups: treeGroups)),
                                             noise: noise)
            return .task(RoundTask(generator: name, round: 3, blocks: [block]))
        case 1, 3:
            return .finished(.tree(try fit(schema: schema, history: history)))
        default:
            throw ApiaryError(.invalidArgument, "MST runs three rounds (one for a single column); got a history of \(history.count)")
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

    /// A column's tree-round bins are merged by spread only where the counts that stand out of
    /// the noise hold at least this share of its noisy rows; below it (a small table: the
    /// breast-cancer check's columns hold 15-82% at epsilon 5, flchain's and credit's 92-99% at
    /// epsilon 1) the within-group shares, which follow the kept counts, would pile a wide
    /// group's rows onto its few kept bins, and mass groups keep the groups narrow instead.
    static let spreadCoverage = 0.9

    /// The selection and tree rounds' coding: each numeric column's bins merged into
    /// `resolution` groups following round 1's noisy one-way counts (post-processing). For
    /// selection, lightest neighbours first (`Discretiser.massGroups`), so that bins a schema
    /// added for a long tail do not take resolution from the bulk of the rows and every
    /// coarse cell carries signal; categorical columns too, since every cell of a pair table
    /// adds noise to its mutual information (on credit at epsilon 1, pairs with a four- to
    /// six-category column scored noise alone with a deviation of 0.02-0.06, about the
    /// target's real dependences, docs/QUALITY.md; `selectionMergesCategories`); the tree
    /// round keeps every category. For the tree (`bySpread`), by the least added spread of
    /// values (`Discretiser.spreadGroups`) over the counts that stand out of the noise
    /// (`keptCounts`, the ones the fit keeps): the mass-balanced split gave a skewed column's
    /// whole upper tail one group, within which values were drawn apart from the other
    /// columns, and most of a Pearson correlation lies there (docs/QUALITY.md). Mass groups where
    /// the kept counts describe too little of the column (`spreadCoverage`).
    func codeGroups(schema: TableSchema, round1: RoundOutcome, resolution: [Int], bySpread: Bool) throws -> [[Int]] {
        guard case .marginals(let oneWayQuery) = round1.task.blocks[0].query else {
            throw ApiaryError(.invalidArgument, "round 1 outcome does not hold MST's one-way block")
        }
        let discretiser = Discretiser(schema: schema)
        let oneWay = oneWayQuery.split(round1.sums[0], schema: schema).map { $0.map(Double.init) }
        let deviation = round1.noiseVariance(block: 0).squareRoot()
        return schema.columns.indices.map { column in
            if bySpread {
                let kept = keptCounts(oneWay[column], column: schema.columns[column], deviation: deviation)
                if !keptTooLittle(kept, of: oneWay[column]) {
                    return discretiser.spreadGroups(column: column, maxGroups: resolution[column], mass: kept)
                }
            }
            return discretiser.massGroups(column: column, maxGroups: resolution[column], mass: oneWay[column], mergingCategories: !bySpread && selectionMergesCategories)
        }
    }

    /// The tree round's marginals, oriented away from `root` in breadth-first order: [parent,
    /// child], or [second parent, parent, child]. The second parent is the first of the child's
    /// earlier columns (not its parent, positive score), taken in order of `treeWeight`, whose
    /// triple's average cell keeps `minimumSignal` noise deviations of signal (the best one,
    /// without noise). Where the noise rules out a many-valued best column, a column with few
    /// values gets its turn, most often a binary target: columns then depend on the target and
    /// one other column, as in a tree-augmented naive Bayes classifier (Friedman, Geiger and
    /// Goldszmidt, 1997), which is what a model trained on the synthetic rows needs (credit's
    /// train-on-synthetic AUC ratio 0.758 -> 0.825 at epsilon 1, docs/QUALITY.md). A record still
    /// adds 1 to one cell per marginal, so the release's sensitivity is unchanged.
    func treeMarginals(tree: [(Int, Int)], scores: [[Double]], root: Int, target: Int?, cardinalities: [Int],
                       total: Double, noiseVariance: Double) -> [[Int]] {
        var placed = [root]
        return MaximumSpanningTree.orient(tree, nodes: scores.count, root: root).map { parent, child in
            defer { placed.append(child) }
            let candidates = placed.filter { $0 != parent && scores[child][$0] > 0 }
                .sorted { treeWeight(scores[child][$0], child, $0, target: target) > treeWeight(scores[child][$1], child, $1, target: target) }
            let second = candidates.first { second in
                let cells = Double(cardinalities[second] * cardinalities[parent] * cardinalities[child])
                return noiseVariance == 0 || total / cells >= minimumSignal * noiseVariance.squareRoot()
            }
            return second.map { [$0, parent, child] } ?? [parent, child]
        }
    }

    // MARK: Selection

    /// An edge's weight in the spanning tree: its selection score, times `targetWeight` when it
    /// joins the schema's target and the score is positive. The target names the table's
    /// downstream task (the quality report's classifier), and a tree that hangs a column on the
    /// target keeps that column's effect on it; doubling makes the tree do so where the target's
    /// dependence is within a factor of two of the best other link (measured in docs/QUALITY.md).
    func treeWeight(_ score: Double, _ i: Int, _ j: Int, target: Int?) -> Double {
        guard let target, i == target || j == target, score > 0 else { return score }
        return targetWeight * score
    }

    /// Every pair's noisy mutual information from the selection round's coarse pairs, minus
    /// what noise alone contributes (symmetric, zero diagonal).
    func selectionScores(schema: TableSchema, selection: RoundOutcome, total: Double) throws -> [[Double]] {
        let d = schema.columns.count
        guard selection.task.blocks.count == 1, selection.task.blocks[0].release == Self.selectionRelease,
              case .marginals(let query) = selection.task.blocks[0].query else {
            throw ApiaryError(.invalidArgument, "round 2 outcome does not hold MST's selection block")
        }
        let variance = selection.noiseVariance(block: 0)
        let cards = query.cardinalities(schema: schema)
        let tables = query.split(selection.sums[0], schema: schema)
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
        return score
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
}
