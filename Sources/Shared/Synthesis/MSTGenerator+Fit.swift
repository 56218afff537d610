import Foundation

/// MST's fit: post-processing of the three rounds' noisy counts into a consistent tree model
/// (the "Fit" paragraph of `MSTGenerator`'s documentation).
extension MSTGenerator {
    /// A tree-round table, oriented: parents first, the child last, with its noisy counts.
    typealias OrientedTable = (columns: [Int], counts: [Double])

    /// What the tree round's tables say about which (parent, child) cells and child groups exist.
    struct CellEvidence {
        /// Each table projected onto non-negative counts with the record total.
        var projectedTables: [[Double]]
        /// A pair table's cells below this are empty (`cellThreshold` noise deviations).
        var cellFloor: Double
        /// Whether a table's average (parent, child) cell reaches its floor.
        var informative: [Bool]
        /// Whether a table's empty cells are judged against independence (its parent is the target).
        var flooredAgainstIndependence: [Bool]
        /// Per column and group: false where an informative table keeps no cell for the group.
        var support: [[Bool]]
        /// Per triple table: its cells whose (parent, child) pair cell is empty.
        var emptyCells: [[Bool]?]
    }

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
        var tables: [OrientedTable] = []
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
        let evidence = cellEvidence(tables: tables, cards: cards, total: total, tableVariance: tableVariance, target: schema.targetIndex)
        var marginals: [[Double]] = []
        var withinGroup: [[Double]] = []
        for column in 0..<d {
            let shares = withinGroupShares(oneWay[column], column: schema.columns[column], groups: groups[column],
                                           groupCount: cards[column], deviation: oneWayVariance.squareRoot(),
                                           coarse: coarseReading(column: column, schema: schema, counts: oneWay[column],
                                                                 total: total, deviation: oneWayVariance.squareRoot()))
            withinGroup.append(shares.shares)
            marginals.append(groupCounts(column: column, schema: schema, oneWay: oneWay[column], oneWayVariance: oneWayVariance,
                                         groups: groups, tables: tables, tableVariance: tableVariance,
                                         keptTotals: shares.keptTotals, support: evidence.support[column], total: total))
        }
        var edges: [TreeEdge] = []
        var conditionals: [[Double]] = []
        for (index, table) in tables.enumerated() {
            let child = table.columns[table.columns.count - 1], parent = table.columns[table.columns.count - 2]
            edges.append(TreeEdge(parent: parent, child: child, secondParent: table.columns.count == 3 ? table.columns[0] : nil))
            conditionals.append(conditional(of: index, tables: tables, evidence: evidence, cards: cards, marginals: marginals))
        }
        return try TreeModel(schema: schema, root: schema.targetIndex ?? 0, edges: edges,
                             groups: groups, marginals: marginals.map { m in m.map { $0 / total } },
                             conditionals: conditionals, withinGroup: withinGroup, estimatedRecords: total)
    }

    /// Which cells and child groups the tree round's tables support.
    ///
    /// Cells of a table's (parent, child) pair below `cellThreshold` noise deviations are
    /// taken as empty, and a child group left without any such cell as unsupported (like a
    /// code under the one-way rule, `groupCounts`): mass there would be placed independently of
    /// the parent, and in a long tail such mass is what breaks correlations. A triple's pair cell
    /// sums m cells (m values of the second parent), so its deviation is sqrt(m) times
    /// larger (summed after projection: summing the raw cells instead cost flchain's pair
    /// trends at epsilon 5 0.941 -> 0.922, docs/QUALITY.md). The triple's own cells are not
    /// floored, since a second parent splits a dependence into sparse cells (flooring those
    /// cost flchain's train-on-synthetic AUC 0.02, docs/QUALITY.md), but all of them go
    /// where their pair cell is empty.
    func cellEvidence(tables: [OrientedTable], cards: [Int], total: Double, tableVariance: Double, target: Int?) -> CellEvidence {
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
        let flooredAgainstIndependence = tables.map { target == $0.columns[$0.columns.count - 2] }
        var support = cards.map { [Bool](repeating: true, count: $0) }
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
                support[child] = alive
                if summed > 1 {
                    let pairCards = [pairCells / width, width]
                    let bars = MarginalProjection.emptinessBars(rowSums: Self.margin(pair, cardinalities: pairCards, axis: 0),
                                                                columnSums: Self.margin(pair, cardinalities: pairCards, axis: 1),
                                                                floor: floor, againstIndependence: flooredAgainstIndependence[index])
                    emptyCells[index] = (0..<table.counts.count).map { pair[$0 % pairCells] < bars[$0 % pairCells] }
                }
            }
        }
        return CellEvidence(projectedTables: projectedTables, cellFloor: cellFloor, informative: informative,
                            flooredAgainstIndependence: flooredAgainstIndependence, support: support, emptyCells: emptyCells)
    }

    /// A column's distribution within each of its groups, from its own noisy counts, and the
    /// kept counts' sum per group. Codes whose noisy count is below `fineThreshold` noise
    /// deviations count as empty (a long tail bin must not receive noise mass: its values would
    /// be outliers; the bin just beyond each end is the exception, `extendingTails`), the rest
    /// in proportion to their counts.
    func withinGroupShares(_ counts: [Double], column: ColumnSchema, groups: [Int], groupCount: Int,
                           deviation: Double, coarse: [Double]? = nil) -> (shares: [Double], keptTotals: [Double]) {
        let kept = extendingTails(keptCounts(counts, column: column, deviation: deviation), counts: counts, groups: groups, column: column)
        let clipped = counts.map { max($0, 0) }
        var keptTotals = [Double](repeating: 0, count: groupCount)
        var clippedTotals = [Double](repeating: 0, count: groupCount)
        var coarseTotals = [Double](repeating: 0, count: groupCount)
        for (code, group) in groups.enumerated() {
            keptTotals[group] += kept[code]
            clippedTotals[group] += clipped[code]
            coarseTotals[group] += coarse?[code] ?? 0
        }
        // A numeric tail group none of whose bins stands out: its densities may only fall
        // away from the bulk (the group with the most kept mass). Clipped noise alone sent
        // such a group's rows to whichever far bin drew the largest noise, outliers that
        // undid a column's Pearson correlations (docs/QUALITY.md).
        let bulk = keptTotals.indices.max { keptTotals[$0] < keptTotals[$1] } ?? 0
        let tailShares: [Int: Double] = (0..<groupCount).reduce(into: [:]) { shares, group in
            guard keptTotals[group] == 0, keptTotals[bulk] > 0, group != bulk else { return }
            let codes = groups.indices.filter { groups[$0] == group }
            guard let shape = tailShape(counts, codes: codes, column: column, outwardUp: group > bulk) else { return }
            for (code, share) in zip(codes, shape) { shares[code] = share }
        }
        let shares = groups.enumerated().map { code, group in
            if let coarse, coarseTotals[group] > 0 { return coarse[code] / coarseTotals[group] }
            if keptTotals[group] > 0 { return kept[code] / keptTotals[group] }
            if let share = tailShares[code] { return share }
            if clippedTotals[group] > 0 { return clipped[code] / clippedTotals[group] }
            return 1 / Double(groups.filter { $0 == group }.count)
        }
        return (shares, keptTotals)
    }

    /// Where a numeric column's kept counts hold too little of its noisy rows to place them
    /// (`keptTooLittle`), its distribution at the resolution the noise allows
    /// (`NoiseSupportRule.coarseDistribution`), for the shares within the tree's groups; nil
    /// otherwise. Piling a wide group's rows onto its one or two kept bins, often noise, wrote a
    /// small table's column into a sliver of its range (iris at epsilon 1, docs/QUALITY.md).
    func coarseReading(column: Int, schema: TableSchema, counts: [Double], total: Double, deviation: Double) -> [Double]? {
        let spec = schema.columns[column]
        guard spec.kind.isNumeric, deviation > 0,
              keptTooLittle(keptCounts(counts, column: spec, deviation: deviation), of: counts) else { return nil }
        return NoiseSupportRule(fineThreshold: fineThreshold, isolatedThreshold: isolatedThreshold)
            .coarseDistribution(column: column, counts: counts, total: total, deviation: deviation, discretiser: Discretiser(schema: schema))
    }

    /// Whether `kept` holds less than `spreadCoverage` of the positive part of `counts`.
    func keptTooLittle(_ kept: [Double], of counts: [Double]) -> Bool {
        kept.reduce(0, +) < Self.spreadCoverage * counts.reduce(0) { $0 + max($1, 0) }
    }

    /// A column's record counts per group: its own counts summed per group combined with its
    /// margins in the tree round's tables, group by group by inverse variance, projected onto
    /// non-negative counts with the record total over the supported groups.
    func groupCounts(column: Int, schema: TableSchema, oneWay: [Double], oneWayVariance: Double, groups: [[Int]],
                     tables: [OrientedTable], tableVariance: Double, keptTotals: [Double], support: [Bool], total: Double) -> [Double] {
        let cards = groups.map { ($0.max() ?? -1) + 1 }
        let groupCount = cards[column]
        var weighted = [Double](repeating: 0, count: groupCount)
        var weights = [Double](repeating: 0, count: groupCount)
        func add(_ value: Double, variance: Double, at group: Int) {
            let weight = 1 / max(variance, 1e-12)
            weighted[group] += weight * value
            weights[group] += weight
        }
        var rawGroups = [Double](repeating: 0, count: groupCount)
        var sizes = [Double](repeating: 0, count: groupCount)
        for (code, group) in groups[column].enumerated() {
            rawGroups[group] += oneWay[code]
            sizes[group] += 1
        }
        for group in 0..<groupCount { add(rawGroups[group], variance: oneWayVariance * sizes[group], at: group) }
        for table in tables {
            guard let axis = table.columns.firstIndex(of: column) else { continue }
            let summed = Double(table.counts.count / groupCount)
            for (group, value) in Self.margin(table.counts, cardinalities: table.columns.map { cards[$0] }, axis: axis).enumerated() {
                add(value, variance: tableVariance * summed, at: group)
            }
        }
        let combined = (0..<groupCount).map { weighted[$0] / weights[$0] }
        // A target's classes are public and present by the task's nature: none is emptied
        // by the support rule below, only by the projection. In a small table a class's count
        // sits near the noise, and emptying it left a model that cannot predict that class
        // (wine at epsilon 1: a cultivar missing in 3 runs of 8, docs/QUALITY.md).
        guard oneWayVariance > 0, column != schema.targetIndex else { return MarginalProjection.projectToSimplex(combined, total: total) }
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
        let anchored = (0..<groupCount).map { keptTotals[$0] > 0 && support[$0] }
        let groupStandsOut = (0..<groupCount).map { group in
            var bar = fineThreshold
            if schema.columns[column].kind.isNumeric, keptTotals[group] == 0 {
                let besideAnchor = (group > 0 && anchored[group - 1]) || (group + 1 < groupCount && anchored[group + 1])
                if !besideAnchor { bar = isolatedThreshold }
            }
            return combined[group] > bar * (1 / weights[group]).squareRoot()
        }
        var supported = (0..<groupCount).filter { (keptTotals[$0] > 0 || groupStandsOut[$0]) && support[$0] }
        if supported.isEmpty { supported = (0..<groupCount).filter { keptTotals[$0] > 0 || groupStandsOut[$0] } }
        if !supported.isEmpty { return MarginalProjection.projectToSimplex(combined, total: total, over: supported) }
        // Nothing of the column stands out of the noise: flat over its range (projecting
        // pure noise keeps a few of its largest draws, a column of one or two values).
        let flat = Discretiser(schema: schema).flatDistribution(column: column)
        var flatGroups = [Double](repeating: 0, count: groupCount)
        for (code, group) in groups[column].enumerated() { flatGroups[group] += flat[code] * total }
        return flatGroups
    }

    /// A tree table's conditional distribution of the child given its parents (row-major, the
    /// child fastest): the table adjusted to the child's margin and (for a pair) the parent's,
    /// so consecutive edges agree on shared columns; a triple's parent configurations keep the
    /// distribution its own projected counts give them. A parent configuration without mass
    /// falls back to the child given the parent alone, then to the child's margin.
    func conditional(of index: Int, tables: [OrientedTable], evidence: CellEvidence, cards: [Int], marginals: [[Double]]) -> [Double] {
        let table = tables[index]
        let child = table.columns[table.columns.count - 1], parent = table.columns[table.columns.count - 2]
        let width = cards[child], rows = table.counts.count / width
        let rowSums: [Double]
        if table.columns.count == 2 {
            rowSums = marginals[parent]
        } else {
            let projected = evidence.projectedTables[index]
            rowSums = (0..<rows).map { r in projected[(r * width)..<((r + 1) * width)].reduce(0, +) }
        }
        let pairFloored = table.columns.count == 2 && evidence.informative[index]
        let fitted = MarginalProjection.fitTable(table.counts, rows: rows, columns: width, rowSums: rowSums,
                                                 columnSums: marginals[child], smoothing: smoothing,
                                                 floor: pairFloored ? evidence.cellFloor : 0,
                                                 empty: evidence.emptyCells[index],
                                                 flooringAgainstIndependence: evidence.flooredAgainstIndependence[index])
        let byParent = Self.margin(fitted, cardinalities: [rows / cards[parent], cards[parent], width], axes: [1, 2])
        var conditional = [Double](repeating: 0, count: rows * width)
        for r in 0..<rows {
            let p = r % cards[parent]
            let candidates = [Array(fitted[(r * width)..<((r + 1) * width)]), Array(byParent[(p * width)..<((p + 1) * width)]), marginals[child]]
            let row = candidates.first { $0.reduce(0, +) > 0 } ?? marginals[child]
            let rowTotal = row.reduce(0, +)
            for c in 0..<width { conditional[r * width + c] = rowTotal > 0 ? row[c] / rowTotal : 1 / Double(width) }
        }
        return conditional
    }

    /// A column's noisy one-way counts with those taken as empty set to zero (`NoiseSupportRule`
    /// with this generator's thresholds).
    func keptCounts(_ counts: [Double], column: ColumnSchema, deviation: Double) -> [Double] {
        NoiseSupportRule(fineThreshold: fineThreshold, isolatedThreshold: isolatedThreshold)
            .keptCounts(counts, column: column, deviation: deviation)
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
