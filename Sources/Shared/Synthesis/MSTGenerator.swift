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
                let noisyTotal = oneWay[column].reduce(0) { $0 + max($1, 0) }
                if kept.reduce(0, +) >= Self.spreadCoverage * noisyTotal {
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
        // The tree round's tables, oriented: parents first, the child last.
        var tables: [(columns: [Int], counts: [Double])] = []
        var tableVariance = 0.0
        if d >= 2 {
            guard history.count == 3, history[2].task.blocks[0].release == Self.treeRelease,
                  case .marginals(let treeQuery) = history[2].task.blocks[0].query else {
                throw ApiaryError(.invalidArgument, "MST fit needs round 3's tree block")
            }
            groups = treeQuery.groups(schema: schema)
            tables = zip(treeQuery.marginals, treeQuery.split(history[2].sums[0], schema: schema)).map { ($0, $1.map(Double.init)) }
            tableVariance = history[2].noiseVariance(block: 0)
        }
        let cards = groups.map { ($0.max() ?? -1) + 1 }
        // Cells of a table's (parent, child) pair below `cellThreshold` noise deviations are
        // taken as empty, and a child group left without any such cell as unsupported (like a
        // code under the one-way rule below): mass there would be placed independently of the
        // parent, and in a long tail such mass is what breaks correlations. A triple's pair cell
        // sums m cells (m values of the second parent), so its deviation is sqrt(m) times
        // larger (summed after projection: summing the raw cells instead cost flchain's pair
        // trends at epsilon 5 0.941 -> 0.922, docs/QUALITY.md). The triple's own cells are not
        // floored, since a second parent splits a dependence into sparse cells (flooring those
        // cost flchain's train-on-synthetic AUC 0.02, docs/QUALITY.md), but all of them go
        // where their pair cell is empty.
        let projectedTables = tables.map { MarginalProjection.projectToSimplex($0.counts, total: total) }
        let cellFloor = cellThreshold * tableVariance.squareRoot()
        // A table whose average (parent, child) cell is below that cell's floor (a parent with
        // hundreds of categories) says nothing about which cells or child codes exist: it neither
        // supports nor floors, or a child code holding half the rows could lose every cell.
        let pairCellCounts = tables.map { cards[$0.columns[$0.columns.count - 2]] * cards[$0.columns[$0.columns.count - 1]] }
        let pairFloors = zip(tables, pairCellCounts).map { table, cells in cellFloor * Double(table.counts.count / cells).squareRoot() }
        let informative = (0..<tables.count).map { total / Double(pairCellCounts[$0]) >= pairFloors[$0] }
        // Tables whose (parent, child) pair has the target as parent: their empty cells are
        // judged against independence too (`MarginalProjection.fitTable`). A target is often
        // unbalanced, and under one floor a column's sparse groups lose every cell in the
        // minority class's row while keeping them in the majority's; the model then says those
        // values occur in one class only, a perfect predictor the data does not show (credit at
        // epsilon 1: no row with debt had bad status, docs/QUALITY.md).
        let flooredAgainstIndependence = tables.map { schema.targetIndex == $0.columns[$0.columns.count - 2] }
        var tableSupport = cards.map { [Bool](repeating: true, count: $0) }
        var emptyCells: [[Bool]?] = Array(repeating: nil, count: tables.count)
        if cellFloor > 0 {
            for (index, table) in tables.enumerated() where informative[index] {
                let child = table.columns[table.columns.count - 1], width = cards[child]
                let pairCells = pairCellCounts[index], floor = pairFloors[index]
                let summed = table.counts.count / pairCells
                var pair = [Double](repeating: 0, count: pairCells)
                for (cell, value) in projectedTables[index].enumerated() { pair[cell % pairCells] += value }
                var alive = [Bool](repeating: false, count: width)
                for (cell, value) in pair.enumerated() where value >= floor { alive[cell % width] = true }
                guard alive.contains(true) else { continue }
                tableSupport[child] = alive
                if summed > 1 {
                    let pairCards = [pairCells / width, width]
                    let bars = MarginalProjection.emptinessBars(rowSums: Self.margin(pair, cardinalities: pairCards, axis: 0),
                                                                columnSums: Self.margin(pair, cardinalities: pairCards, axis: 1),
                                                                floor: floor, againstIndependence: flooredAgainstIndependence[index])
                    emptyCells[index] = (0..<table.counts.count).map { pair[$0 % pairCells] < bars[$0 % pairCells] }
                }
            }
        }
        // Fine distribution of each column from its own counts; its groups' distribution from
        // those counts summed per group combined with its margins in the tree round's tables,
        // cell by cell by inverse variance.
        var marginals: [[Double]] = []
        var withinGroup: [[Double]] = []
        for column in 0..<d {
            // Within a group: codes whose noisy count is below `fineThreshold` noise deviations
            // count as empty (a long tail bin must not receive noise mass: its values would be
            // outliers; the bin just beyond each end is the exception, `extendingTails`), the
            // rest in proportion to their counts.
            let kept = extendingTails(keptCounts(oneWay[column], column: schema.columns[column], deviation: oneWayVariance.squareRoot()),
                                      counts: oneWay[column], groups: groups[column], column: schema.columns[column])
            let clipped = oneWay[column].map { max($0, 0) }
            var keptTotals = [Double](repeating: 0, count: cards[column])
            var clippedTotals = [Double](repeating: 0, count: cards[column])
            for (code, group) in groups[column].enumerated() {
                keptTotals[group] += kept[code]
                clippedTotals[group] += clipped[code]
            }
            // A numeric tail group none of whose bins stands out: its densities may only fall
            // away from the bulk (the group with the most kept mass). Clipped noise alone sent
            // such a group's rows to whichever far bin drew the largest noise, outliers that
            // undid a column's Pearson correlations (docs/QUALITY.md).
            let bulk = keptTotals.indices.max { keptTotals[$0] < keptTotals[$1] } ?? 0
            let tailShares: [Int: Double] = (0..<cards[column]).reduce(into: [:]) { shares, group in
                guard keptTotals[group] == 0, keptTotals[bulk] > 0, group != bulk else { return }
                let codes = groups[column].indices.filter { groups[column][$0] == group }
                guard let shape = tailShape(oneWay[column], codes: codes, column: schema.columns[column], outwardUp: group > bulk) else { return }
                for (code, share) in zip(codes, shape) { shares[code] = share }
            }
            withinGroup.append(groups[column].enumerated().map { code, group in
                if keptTotals[group] > 0 { return kept[code] / keptTotals[group] }
                if let share = tailShares[code] { return share }
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
            for table in tables {
                guard let axis = table.columns.firstIndex(of: column) else { continue }
                let summed = Double(table.counts.count / cards[column])
                for (group, value) in Self.margin(table.counts, cardinalities: table.columns.map { cards[$0] }, axis: axis).enumerated() {
                    add(value, variance: tableVariance * summed, at: group)
                }
            }
            let combined = (0..<cards[column]).map { weighted[$0] / weights[$0] }
            // Support: a group none of whose codes stands out of the noise is taken as empty
            // (the one-way rule alone if both together would empty the column, no rule if that
            // would too), and the projection runs over the supported
            // groups only (projecting with zeros in place would hand them mass back whenever
            // the total must grow). Noise on empty tail bins would otherwise create outliers
            // that distort means and correlations.
            // A group whose combined estimate passes `fineThreshold` deviations of its own noise
            // is supported even if none of its codes is: in a small table every bin can be below
            // the noise while groups are not (one noisy bin otherwise took a column's every row).
            // In a numeric column such a group needs `isolatedThreshold` deviations unless it
            // borders a supported group with kept codes, as a lone bin does (`keptCounts`): a
            // far tail group passes two deviations by noise in a few runs out of a hundred, and
            // with several per table one run in four had rows where the data has none.
            let anchored = (0..<cards[column]).map { keptTotals[$0] > 0 && tableSupport[column][$0] }
            let groupStandsOut = (0..<cards[column]).map { group in
                var bar = fineThreshold
                if schema.columns[column].kind.isNumeric, keptTotals[group] == 0 {
                    let besideAnchor = (group > 0 && anchored[group - 1]) || (group + 1 < cards[column] && anchored[group + 1])
                    if !besideAnchor { bar = isolatedThreshold }
                }
                return oneWayVariance > 0 && combined[group] > bar * (1 / weights[group]).squareRoot()
            }
            var supported = (0..<cards[column]).filter { (keptTotals[$0] > 0 || groupStandsOut[$0]) && tableSupport[column][$0] }
            if supported.isEmpty { supported = (0..<cards[column]).filter { keptTotals[$0] > 0 || groupStandsOut[$0] } }
            if !supported.isEmpty, oneWayVariance > 0 {
                marginals.append(MarginalProjection.projectToSimplex(combined, total: total, over: supported))
            } else if oneWayVariance > 0 {
                // Nothing of the column stands out of the noise: flat over its range (projecting
                // pure noise keeps a few of its largest draws, a column of one or two values).
                let flat = Discretiser(schema: schema).flatDistribution(column: column)
                var flatGroups = [Double](repeating: 0, count: cards[column])
                for (code, group) in groups[column].enumerated() { flatGroups[group] += flat[code] * total }
                marginals.append(flatGroups)
            } else {
                marginals.append(MarginalProjection.projectToSimplex(combined, total: total))
            }
        }
        // Each table: adjusted to the child's margin and (for a pair) the parent's, so
        // consecutive edges agree on shared columns; a triple's parent configurations keep the
        // distribution its own projected counts give them. Conditionals follow by rows.
        let root = schema.targetIndex ?? 0
        var edges: [TreeEdge] = []
        var conditionals: [[Double]] = []
        for (index, table) in tables.enumerated() {
            let child = table.columns[table.columns.count - 1], parent = table.columns[table.columns.count - 2]
            let width = cards[child], rows = table.counts.count / width
            let rowSums: [Double]
            if table.columns.count == 2 {
                rowSums = marginals[parent]
            } else {
                let projected = projectedTables[index]
                rowSums = (0..<rows).map { r in projected[(r * width)..<((r + 1) * width)].reduce(0, +) }
            }
            let fitted = MarginalProjection.fitTable(table.counts, rows: rows, columns: width, rowSums: rowSums,
                                                     columnSums: marginals[child], smoothing: smoothing,
                                                     floor: table.columns.count == 2 && informative[index] ? cellFloor : 0,
                                                     empty: emptyCells[index],
                                                     flooringAgainstIndependence: flooredAgainstIndependence[index])
            // A parent configuration without mass falls back to the child given the parent
            // alone, then to the child's margin.
            let byParent = Self.margin(fitted, cardinalities: [rows / cards[parent], cards[parent], width], axes: [1, 2])
            var conditional = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                let p = r % cards[parent]
                let candidates = [Array(fitted[(r * width)..<((r + 1) * width)]), Array(byParent[(p * width)..<((p + 1) * width)]), marginals[child]]
                let row = candidates.first { $0.reduce(0, +) > 0 } ?? marginals[child]
                let rowTotal = row.reduce(0, +)
                for c in 0..<width { conditional[r * width + c] = rowTotal > 0 ? row[c] / rowTotal : 1 / Double(width) }
            }
            edges.append(TreeEdge(parent: parent, child: child, secondParent: table.columns.count == 3 ? table.columns[0] : nil))
            conditionals.append(conditional)
        }
        return try TreeModel(schema: schema, root: root, edges: edges,
                             groups: groups, marginals: marginals.map { m in m.map { $0 / total } },
                             conditionals: conditionals, withinGroup: withinGroup, estimatedRecords: total)
    }

    /// A column's noisy one-way counts with those taken as empty set to zero: below
    /// `fineThreshold` noise deviations, or, for a numeric column's bin with neither neighbour
    /// above that, below `isolatedThreshold` unless its three-bin window passes `fineThreshold`
    /// deviations of the window's noise and a bin two away passes. With a few dozen bins per
    /// column, some empty tail bin passes 2 deviations in half the runs, and the rows its group
    /// then sends there are outliers that decide the column's Pearson correlations; real mass
    /// seldom sits in one bin with nothing near it (docs/QUALITY.md: flchain's pair trends at
    /// epsilon 1 0.922 -> 0.929 over twelve seeds, breast cancer's column shapes 0.687 -> 0.737).
    func keptCounts(_ counts: [Double], column: ColumnSchema, deviation: Double) -> [Double] {
        let passes = counts.map { $0 > fineThreshold * deviation }
        guard column.kind.isNumeric, deviation > 0 else { return zip(counts, passes).map { $1 ? $0 : 0 } }
        let bins = column.kind.valueCodeCount
        return counts.enumerated().map { code, value in
            guard passes[code] else { return 0 }
            guard code < bins else { return value }
            let neighbour = (code > 0 && passes[code - 1]) || (code + 1 < bins && passes[code + 1])
            // The bin with its neighbours, against `fineThreshold` deviations of their summed noise:
            // real mass spread over sparse neighbours passes, noise on one empty bin seldom does.
            // Only near other mass (a passing bin two bins away): a far tail bin with nothing
            // passing around it needs `isolatedThreshold` whatever its window holds.
            let window = (max(0, code - 1)...min(bins - 1, code + 1)).map { counts[$0] }
            let nearMass = (code >= 2 && passes[code - 2]) || (code + 2 < bins && passes[code + 2])
            let windowPasses = nearMass && window.reduce(0, +) > fineThreshold * deviation * Double(window.count).squareRoot()
            return neighbour || windowPasses || value > isolatedThreshold * deviation ? value : 0
        }
    }

    /// `kept` with the bin just beyond each end of a numeric column's kept bins, when it lies in
    /// the same group, given its noisy density clipped to [0, the edge bin's density times the
    /// edge bin's fall from its inner neighbour]: a tail keeps falling at least as fast as it
    /// did into its last bin. Zeroing that bin ended every synthetic column at the last bin
    /// that stands out of the noise, though a real tail of about one deviation goes on
    /// (flchain's 44 ages in 91-96 at a deviation of 36: synthetic ages stopped at 90 in 22
    /// runs of 24). One bin only: continuing further handed noise to far bins whose rows carry
    /// no joint tail, and cost the assays' Pearson correlations (docs/QUALITY.md).
    func extendingTails(_ kept: [Double], counts: [Double], groups: [Int], column: ColumnSchema) -> [Double] {
        guard column.kind.isNumeric else { return kept }
        let bins = column.kind.valueCodeCount
        let keptBins = (0..<bins).filter { kept[$0] > 0 }
        guard let low = keptBins.first, let high = keptBins.last else { return kept }
        let width = { (bin: Int) in Self.densityWidth(column.kind, bin: bin) }
        let density = { (bin: Int) in kept[bin] / width(bin) }
        var extended = kept
        for (edge, step) in [(high, 1), (low, -1)] {
            let beyond = edge + step, inner = edge - step
            guard beyond >= 0, beyond < bins, groups[beyond] == groups[edge] else { continue }
            let fall = inner >= 0 && inner < bins && kept[inner] > 0 ? min(1, density(edge) / density(inner)) : 1
            extended[beyond] = min(max(counts[beyond] / width(beyond), 0), density(edge) * fall) * width(beyond)
        }
        return extended
    }

    /// Shares of a numeric group's bins (`codes`, ascending) when none of them stands out of the
    /// noise: the noisy densities fitted non-increasing away from the bulk (`outwardUp`: the
    /// group lies above it), weighted by inverse variance (a count's noise is the same in every
    /// bin, so a density's variance falls with the bin's size squared), clipped at zero and
    /// times the bin sizes. All zero: the bin nearest the bulk. Nil for a categorical column,
    /// a group holding the missing code or a single bin.
    func tailShape(_ counts: [Double], codes: [Int], column: ColumnSchema, outwardUp: Bool) -> [Double]? {
        guard column.kind.isNumeric, codes.count > 1, codes.allSatisfy({ $0 < column.kind.valueCodeCount }) else { return nil }
        let outward = outwardUp ? codes : codes.reversed()
        let sizes = outward.map { Self.densityWidth(column.kind, bin: $0) }
        let fitted = MonotoneFit.nonIncreasing(zip(outward, sizes).map { counts[$0] / $1 }, weights: sizes.map { $0 * $0 })
        var shares = zip(fitted, sizes).map { max($0, 0) * $1 }
        let sum = shares.reduce(0, +)
        if sum > 0 {
            shares = shares.map { $0 / sum }
        } else {
            shares = shares.indices.map { $0 == 0 ? 1 : 0 }
        }
        return outwardUp ? shares : shares.reversed()
    }

    /// A bin's width for turning its count into a density (1 where a bin has no width, never 0).
    static func densityWidth(_ kind: ColumnKind, bin: Int) -> Double {
        max(Discretiser.binSize(kind, bin: bin) ?? 1, 1e-12)
    }

    /// Sums of a row-major table (`cardinalities` per axis, last fastest) kept on `axes`,
    /// summed over the others; the result is row-major over the kept axes.
    static func margin(_ table: [Double], cardinalities: [Int], axes: [Int]) -> [Double] {
        let keptSizes = axes.map { cardinalities[$0] }
        var result = [Double](repeating: 0, count: keptSizes.reduce(1, *))
        var index = [Int](repeating: 0, count: cardinalities.count)
        for value in table {
            result[axes.reduce(0) { $0 * cardinalities[$1] + index[$1] }] += value
            // Advance the multi-index, last axis fastest.
            var axis = cardinalities.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < cardinalities[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Sums of a row-major table on one axis.
    static func margin(_ table: [Double], cardinalities: [Int], axis: Int) -> [Double] {
        margin(table, cardinalities: cardinalities, axes: [axis])
    }
}
