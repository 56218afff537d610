import Foundation
import Testing
@testable import Shared

/// Federated MST on data with known structure.
@Suite("Federated MST")
struct MSTGeneratorTests {
    @Test("with noise, the selected tree recovers the chain A-B-C (X hangs anywhere)")
    func recoversChain() throws {
        let tables = (0..<3).map { SynthesisTestSupport.chainTable(rows: 1000, seed: UInt64(10 + $0)) }
        // Mutual information alone (the default doubles pairs with the target C, which hangs A on
        // C: A-C's dependence, 0.85^2 of the chain's, is more than half of A-B's).
        let generator = MSTGenerator(targetWeight: 1)
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: SynthesisTestSupport.chainSchema),
                                             epsilon: 2, delta: 1e-6, quorum: 3)
        guard case .tree(let model) = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan) else {
            Issue.record("MST must give a tree model")
            return
        }
        let undirected = Set(model.edges.map { [min($0.parent, $0.child), max($0.parent, $0.child)] })
        #expect(undirected.contains([0, 1]) && undirected.contains([1, 2]))
        #expect(!undirected.contains([0, 2]))
        #expect(model.root == 2, "the target is the root")
        let synthetic = model.sample(rows: 3000, using: SeededRandom(seed: 3))
        // The dependence survives: A and B agree ~0.9 (0.85 + 0.15/3); independent columns agree 1/3.
        #expect(abs(SynthesisTestSupport.agreement(synthetic, 0, 1) - 0.9) < 0.06)
        #expect(abs(SynthesisTestSupport.agreement(synthetic, 1, 2) - 0.9) < 0.06)
    }

    @Test("without noise, the fit reproduces one-way and tree-pair marginals")
    func noiselessFit() throws {
        let tables = (0..<2).map { SynthesisTestSupport.chainTable(rows: 1500, seed: UInt64(20 + $0)) }
        var union = tables[0]
        union.append(contentsOf: tables[1])
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: SynthesisTestSupport.chainSchema),
                                             epsilon: .infinity, delta: 1e-6, quorum: 2)
        guard case .tree(let model) = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan) else {
            Issue.record("MST must give a tree model")
            return
        }
        #expect(model.estimatedRecords == 3000)
        for column in 0..<4 {
            let real = SynthesisTestSupport.distribution(union, column: column)
            for (p, q) in zip(real, model.marginals[column]) { #expect(abs(p - q) < 0.011, "column \(column)") }
        }
        let synthetic = model.sample(rows: 20_000, using: SeededRandom(seed: 5))
        for column in 0..<4 {
            let real = SynthesisTestSupport.distribution(union, column: column)
            let sampled = SynthesisTestSupport.distribution(synthetic, column: column)
            for (p, q) in zip(real, sampled) { #expect(abs(p - q) < 0.02, "column \(column)") }
        }
        #expect(abs(SynthesisTestSupport.agreement(synthetic, 0, 1) - SynthesisTestSupport.agreement(union, 0, 1)) < 0.02)
    }

    @Test("without noise, a column that depends on two earlier ones gets a second parent and keeps their joint effect")
    func secondParent() throws {
        // C is (A and B) with 5% flips; B copies A 70% of the time. A tree conditions each
        // column on one other, which cannot give P(C = 1 | A, B); with the second column sampled
        // given both earlier ones, the model is the full joint of the three.
        let schema = TableSchema(columns: ["A", "B", "C"].map { ColumnSchema(name: $0, kind: .categorical(categories: ["0", "1"])) })
        let random = SeededRandom(seed: 41)
        var table = Table(schema: schema)
        for _ in 0..<6000 {
            let a = Int(random.uniform(below: 2))
            let b = random.unitDouble() < 0.7 ? a : 1 - a
            let c = random.unitDouble() < 0.95 ? a & b : 1 - (a & b)
            table.append(row: [Double(a), Double(b), Double(c)])
        }
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema),
                                             epsilon: .infinity, delta: 1e-6, quorum: 1)
        guard case .tree(let model) = try SynthesisTestSupport.fit(generator, tables: [table], plan: plan) else {
            Issue.record("MST must give a tree model")
            return
        }
        #expect(model.edges[1].secondParent != nil, "edges: \(model.edges)")
        let codes = model.sample(rows: 20_000, using: SeededRandom(seed: 7)).codes()
        func conditional(a: Int, b: Int) -> Double {
            let rows = codes[0].indices.filter { codes[0][$0] == a && codes[1][$0] == b }
            return Double(rows.filter { codes[2][$0] == 1 }.count) / Double(rows.count)
        }
        #expect(abs(conditional(a: 1, b: 0) - 0.05) < 0.03)
        #expect(abs(conditional(a: 0, b: 1) - 0.05) < 0.03)
        #expect(abs(conditional(a: 1, b: 1) - 0.95) < 0.03)
    }

    @Test("mass groups (the selection round) merge the lightest neighbouring bins: sparse tail bins share a group, a tail with mass keeps its own")
    func massGroups() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "v", kind: .real(lower: 0, upper: 100, binEdges: [0, 1, 2, 3, 4, 5, 6, 20, 40, 60, 80, 100], decimals: 1),
                         missing: .keep),
        ])
        let discretiser = Discretiser(schema: schema)
        let mass: [Double] = [100, 100, 100, 100, 100, 100, 3, -2, 1, 0, 7]
        let groups = discretiser.massGroups(column: 0, maxGroups: 3, mass: mass)
        #expect(groups == [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3], "bulk bins paired, the sparse tail with the last pair; missing apart")
        // A tail bin holding mass of its own stays apart from the bulk and from the emptier extremes.
        let heavyTail: [Double] = [100, 100, 100, 100, 100, 100, 3, -2, 60, 0, 7]
        #expect(discretiser.massGroups(column: 0, maxGroups: 8, mass: heavyTail) == [0, 1, 2, 3, 4, 5, 6, 6, 6, 7, 7, 8])
        #expect(discretiser.coarseGroups(column: 0, maxGroups: 3) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3],
                "equal bin counts give the tail two of the three groups")
        #expect(discretiser.massGroups(column: 0, maxGroups: 3, mass: [Double](repeating: 0, count: 11))
                == discretiser.coarseGroups(column: 0, maxGroups: 3), "no mass: equal bin counts")
        // The coding travels in the query; the agent checks it covers the schema.
        let query = MarginalSetQuery(marginals: [[0]], codeGroups: [groups])
        #expect(try query.evaluate(codes: [[0, 1, 2, 9, 11]], schema: schema) == [2, 1, 1, 1])
        for bad in [[[0, 1]], [groups.map { $0 == 3 ? 5 : $0 }], [groups.map { $0 - 1 }]] {
            #expect(throws: ApiaryError.self) { try MarginalSetQuery(marginals: [[0]], codeGroups: bad).validate(schema: schema) }
        }
    }

    @Test("the selection round merges categories by mass too, neighbours in the schema's order; the tree round keeps them all")
    func selectionMergesCategories() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "home", kind: .categorical(categories: ["a", "b", "c", "d", "e", "f"]), missing: .keep),
            ColumnSchema(name: "flag", kind: .categorical(categories: ["no", "yes"])),
        ], missingTokens: ["NA"])
        let discretiser = Discretiser(schema: schema)
        let mass: [Double] = [400, 30, -5, 300, 20, 250, 9]
        // Lightest neighbours first (negative as zero): b + c (30), e + f (270), then bc + d (330).
        #expect(discretiser.massGroups(column: 0, maxGroups: 3, mass: mass, mergingCategories: true) == [0, 1, 1, 1, 2, 2, 3],
                "a alone, b to d, e and f; the missing code keeps a group of its own")
        #expect(discretiser.massGroups(column: 0, maxGroups: 3, mass: mass) == [0, 1, 2, 3, 4, 5, 6], "without the flag categories keep their codes")
        #expect(discretiser.massGroups(column: 1, maxGroups: 3, mass: [10, 20], mergingCategories: true) == [0, 1], "few enough categories")

        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 1)
        guard case .task(let first) = try generator.nextStep(schema: schema, plan: plan, history: []) else {
            Issue.record("MST starts with a task")
            return
        }
        let counts: [Double] = [400, 30, -5, 300, 20, 250, 9, 500, 500]
        let outcome = RoundOutcome(task: first, sums: try first.split(counts.map { Int64($0) }, schema: schema), contributors: 1)
        guard case .task(let selection) = try generator.nextStep(schema: schema, plan: plan, history: [outcome]),
              case .marginals(let query) = selection.blocks[0].query else {
            Issue.record("round 2 is the selection task")
            return
        }
        #expect(query.codeGroups?[0] == [0, 1, 1, 1, 2, 2, 3])
        #expect(try generator.codeGroups(schema: schema, round1: outcome, resolution: [3, 3], bySpread: true)[0] == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test("spread groups merge bins close in value first: a skewed column's bulk shares a group, its tail keeps several")
    func spreadGroups() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "v", kind: .real(lower: 0, upper: 100, binEdges: [0, 1, 2, 3, 4, 5, 6, 20, 40, 60, 80, 100], decimals: 1),
                         missing: .keep),
            ColumnSchema(name: "c", kind: .categorical(categories: ["x", "y"])),
        ])
        let discretiser = Discretiser(schema: schema)
        let mass: [Double] = [100, 100, 100, 100, 100, 100, 20, 15, 10, 5, 8]
        // Ward's cost of joining two bulk bins is 100 * 100 / 200 * 1^2 = 50; the tail's bins lie
        // 20 apart, so even 10 and 5 rows there cost 3.3 * 400.
        #expect(discretiser.spreadGroups(column: 0, maxGroups: 4, mass: mass) == [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 4])
        #expect(discretiser.massGroups(column: 0, maxGroups: 4, mass: mass) == [0, 0, 1, 1, 2, 3, 3, 3, 3, 3, 3, 4],
                "by mass the bulk takes three groups and the whole tail one")
        #expect(discretiser.spreadGroups(column: 0, maxGroups: 5, mass: mass) == [0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 4, 5])
        #expect(discretiser.spreadGroups(column: 0, maxGroups: 4, mass: [Double](repeating: 0, count: 11))
                == discretiser.coarseGroups(column: 0, maxGroups: 4), "no mass: equal bin counts")
        #expect(discretiser.spreadGroups(column: 1, maxGroups: 1, mass: [5, 5]) == [0, 1], "categories keep their codes")

        // The tree round groups by the counts the fit keeps (here 99% of the rows): a far bin of
        // noise alone gets no group.
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 1)
        guard case .task(let first) = try generator.nextStep(schema: schema, plan: plan, history: []) else {
            Issue.record("MST starts with a task")
            return
        }
        let outcome0 = RoundOutcome(task: first, sums: try first.split([Int64](repeating: 0, count: first.outputCount(schema: schema)), schema: schema),
                                    contributors: 1)
        let sigma = outcome0.noiseVariance(block: 0).squareRoot()
        #expect(sigma > 0)
        // Bulk 50 deviations a bin, a falling tail, then an empty bin and one of 2.5 deviations
        // on its own (not kept: `keptCounts` asks three of a bin without a passing neighbour).
        let deviations: [Double] = [50, 50, 50, 50, 50, 50, 8, 6, 4, 0, 2.5, 0, 40, 40]
        let outcome = RoundOutcome(task: first, sums: try first.split(deviations.map { Int64(($0 * sigma).rounded()) }, schema: schema),
                                   contributors: 1)
        let groups = try generator.codeGroups(schema: schema, round1: outcome, resolution: [4, 2], bySpread: true)
        var kept = Array(deviations.prefix(11)).map { ($0 * sigma).rounded() }
        kept[10] = 0
        #expect(groups[0] == discretiser.spreadGroups(column: 0, maxGroups: 4, mass: kept))
        #expect(groups[0][10] == groups[0][8], "the lone noisy bin joins the tail's last kept bin: \(groups[0])")
        #expect(groups[0] != discretiser.spreadGroups(column: 0, maxGroups: 4, mass: deviations.prefix(11).map { ($0 * sigma).rounded() }))
        #expect(try generator.codeGroups(schema: schema, round1: outcome, resolution: [4, 2], bySpread: false)[0]
                == discretiser.massGroups(column: 0, maxGroups: 4, mass: deviations.prefix(12).map { ($0 * sigma).rounded() }),
                "selection groups by mass, over the noisy counts")
        // Where most rows sit in bins under the noise (a small table), the tree round merges by mass.
        let faint: [Double] = [4, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 0, 40, 40]
        let faintOutcome = RoundOutcome(task: first, sums: try first.split(faint.map { Int64(($0 * sigma).rounded()) }, schema: schema),
                                        contributors: 1)
        #expect(try generator.codeGroups(schema: schema, round1: faintOutcome, resolution: [4, 2], bySpread: true)[0]
                == discretiser.massGroups(column: 0, maxGroups: 4, mass: faint.prefix(12).map { ($0 * sigma).rounded() }))
    }

    @Test("pairs with the target weigh double in the tree: a column about as tied to the target as to another hangs on the target")
    func targetWeight() throws {
        // Columns: 0 = the target, 1 = A, 2 = B. A-B is the strongest pair, B-target nearly as strong.
        let scores: [[Double]] = [[0, 0.06, 0.055], [0.06, 0, 0.10], [0.055, 0.10, 0]]
        func tree(_ generator: MSTGenerator) -> Set<[Int]> {
            Set(MaximumSpanningTree.edges(nodes: 3) { generator.treeWeight(scores[$0][$1], $0, $1, target: 0) }.map { [min($0.0, $0.1), max($0.0, $0.1)] })
        }
        #expect(tree(MSTGenerator(targetWeight: 1)) == [[0, 1], [1, 2]])
        #expect(tree(MSTGenerator()) == [[0, 1], [0, 2]])
        // Negative scores (no signal above the noise) are not boosted; without a target nothing changes.
        #expect(MSTGenerator().treeWeight(-0.01, 0, 1, target: 0) == -0.01)
        #expect(MSTGenerator().treeWeight(0.05, 0, 1, target: nil) == 0.05)
    }

    @Test("a second parent is the first candidate, target weighted, whose triple keeps the signal: the target where a many-valued column is too sparse")
    func secondParentFallback() {
        // Columns: 0 = binary target (the root), 1 = A, 2 = B, 3 = C (ten values each). Tree
        // 0-1, 0-3, 1-2: B's candidates are C (score 0.2) and the target (0.05, doubled: 0.1).
        let scores: [[Double]] = [[0, 0.3, 0.05, 0.3], [0.3, 0, 0.4, 0], [0.05, 0.4, 0, 0.2], [0.3, 0, 0.2, 0]]
        let generator = MSTGenerator()
        func marginals(noiseVariance: Double) -> [[Int]] {
            generator.treeMarginals(tree: [(0, 1), (0, 3), (1, 2)], scores: scores, root: 0, target: 0,
                                    cardinalities: [2, 10, 10, 10], total: 5000, noiseVariance: noiseVariance)
        }
        // Without noise the best-scoring column; with sigma 10 (a cell needs 20 records) C's
        // 1000-cell triple is too sparse and the target's 200 cells are not; with sigma 100 neither.
        #expect(marginals(noiseVariance: 0) == [[0, 1], [0, 3], [3, 1, 2]])
        #expect(marginals(noiseVariance: 100) == [[0, 1], [0, 3], [0, 1, 2]])
        #expect(marginals(noiseVariance: 10_000) == [[0, 1], [0, 3], [1, 2]])
        // Without a target the order is by score alone.
        let untargeted = generator.treeMarginals(tree: [(0, 1), (0, 3), (1, 2)], scores: scores, root: 0, target: nil,
                                                 cardinalities: [2, 10, 10, 10], total: 5000, noiseVariance: 0)
        #expect(untargeted[2] == [3, 1, 2])
    }

    @Test("with noise, a triple's pair cells below the floor stay empty: no values where the parent never has them")
    func tripleCellFloor() throws {
        // Six groups, each with its values in two bins of its own; the target depends on both,
        // so the value's table in the tree round is the triple (target, group, value), whose
        // cells hold about as many records as the noise's deviation (without the pair-cell
        // floor 4-6% of rows land in bins their group never has, with it 1.5-2.5%: the smoothing).
        let schema = TableSchema(columns: [
            ColumnSchema(name: "group", kind: .categorical(categories: (0..<6).map { "g\($0)" })),
            ColumnSchema(name: "value", kind: .real(lower: 0, upper: 12, binEdges: (0...12).map(Double.init), decimals: 2)),
            ColumnSchema(name: "outcome", kind: .categorical(categories: ["no", "yes"])),
        ], target: "outcome", positiveCategory: "yes")
        let random = SeededRandom(seed: 78)
        let tables = try (0..<2).map { _ -> Table in
            var rows: [[Double]] = [[], [], []]
            for _ in 0..<2_000 {
                let group = Double(random.uniform(below: 6))
                let offset = random.unitDouble() * 2
                rows[0].append(group)
                rows[1].append(2 * group + offset)
                rows[2].append(random.unitDouble() < 0.1 + 0.1 * group + 0.1 * offset ? 1 : 0)
            }
            return try Table(schema: schema, columns: rows)
        }
        for seed: UInt64 in [1, 2, 3] {
            let generator = MSTGenerator()
            let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 2)
            guard case .tree(let model) = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed) else {
                Issue.record("MST must give a tree model")
                return
            }
            #expect(model.edges.contains { $0.secondParent != nil }, "seed \(seed): edges \(model.edges)")
            let synthetic = model.sample(rows: 4_000, using: SeededRandom(seed: seed))
            let misplaced = zip(synthetic.values[0], synthetic.values[1]).filter { group, value in
                value < 2 * group || value >= 2 * group + 2
            }.count
            #expect(Double(misplaced) / 4_000 < 0.03, "seed \(seed): \(misplaced) rows with a value their group never has")
        }
    }

    @Test("a run whose round 1 also measured selection (the two-round MST of earlier versions) is refused, not measured again")
    func earlierRunRefused() throws {
        let schema = SynthesisTestSupport.chainSchema
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 2)
        let d = schema.columns.count
        let pairs = (0..<d).flatMap { i in ((i + 1)..<d).map { [i, $0] } }
        let task = RoundTask(generator: "mst", round: 1, blocks: [
            try MeasurementBlock(release: MSTGenerator.oneWayRelease, query: .marginals(MarginalSetQuery(marginals: (0..<d).map { [$0] })),
                                 noise: plan.noise(for: MSTGenerator.oneWayRelease)),
            try MeasurementBlock(release: MSTGenerator.selectionRelease, query: .marginals(MarginalSetQuery(marginals: pairs, maxGroups: Array(repeating: 4, count: d))),
                                 noise: plan.noise(for: MSTGenerator.selectionRelease)),
        ])
        let outcome = RoundOutcome(task: task, sums: try task.split([Int64](repeating: 10, count: task.outputCount(schema: schema)), schema: schema),
                                   contributors: 2)
        #expect(throws: ApiaryError.self) { try generator.nextStep(schema: schema, plan: plan, history: [outcome]) }
        // Today's round 1 is the one-way block alone, and the next step is the selection round.
        guard case .task(let first) = try generator.nextStep(schema: schema, plan: plan, history: []) else {
            Issue.record("MST starts with a task")
            return
        }
        #expect(first.blocks.map(\.release) == [MSTGenerator.oneWayRelease])
        let today = RoundOutcome(task: first, sums: try first.split([Int64](repeating: 10, count: first.outputCount(schema: schema)), schema: schema),
                                 contributors: 2)
        guard case .task(let second) = try generator.nextStep(schema: schema, plan: plan, history: [today]) else {
            Issue.record("MST's second step is a task")
            return
        }
        #expect(second.round == 2 && second.blocks.map(\.release) == [MSTGenerator.selectionRelease])
    }

    @Test("pair-table cells below the floor are emptied; the margins still hold")
    func cellFloor() throws {
        // 3 x 3 table, margins from the noiseless counts; two cells are noise on empty cells.
        let noisy: [Double] = [50, 3, 10, 0, 40, -2, 10, 4, 30]
        let rows = [60.0, 40, 40], columns = [60.0, 40, 40]
        let floored = MarginalProjection.fitTable(noisy, rows: 3, columns: 3, rowSums: rows, columnSums: columns, smoothing: 0, floor: 6)
        for cell in [1, 7] { #expect(floored[cell] < 1e-6, "cell \(cell) is below the floor") }
        for r in 0..<3 { #expect(abs(floored[(r * 3)..<(r * 3 + 3)].reduce(0, +) - rows[r]) < 1e-3) }
        for c in 0..<3 { #expect(abs((0..<3).reduce(0) { $0 + floored[$1 * 3 + c] } - columns[c]) < 1e-3) }
        let kept = MarginalProjection.fitTable(noisy, rows: 3, columns: 3, rowSums: rows, columnSums: columns, smoothing: 0)
        #expect(kept[1] > 0.1 || kept[7] > 0.1, "without a floor some noise mass stays: \(kept)")
    }

    @Test("with noise, tail bins holding a row or two get no synthetic values (no invented extremes), with either generator")
    func sparseTail() throws {
        let edges: [Double] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        let schema = TableSchema(columns: [
            ColumnSchema(name: "group", kind: .categorical(categories: ["g0", "g1"])),
            ColumnSchema(name: "value", kind: .real(lower: 0, upper: 100, binEdges: edges, decimals: 2)),
        ])
        let random = SeededRandom(seed: 77)
        let tables = try (0..<2).map { part -> Table in
            var rows: [[Double]] = [[], []]
            for index in 0..<1_500 {
                let group = Double(random.uniform(below: 2))
                // The bulk in [0, 10), shifted by the group; one extreme row per table.
                let value = index == 0 ? 55.0 + Double(part) * 30 : min(9.99, random.unitDouble() * 6 + group * 3)
                rows[0].append(group)
                rows[1].append(value)
            }
            return try Table(schema: schema, columns: rows)
        }
        let runs: [(generator: any Generator, seed: UInt64)] = [(MSTGenerator(), 1), (MSTGenerator(), 2), (MSTGenerator(), 3),
                                                                 (GaussianCopulaGenerator(), 1), (GaussianCopulaGenerator(), 2)]
        for (generator, seed) in runs {
            let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 2)
            let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model
                .sample(rows: 3_000, using: SeededRandom(seed: seed))
            let values = synthetic.values[1]
            // The extremes' own bins get nothing. Elsewhere noise alone may pass a far bin's
            // three-deviation bar in a rare run (mst seed 3: 22 rows in [30, 40), which holds
            // none), so beyond the bulk only a sliver is allowed.
            let extremes = values.filter { (50..<60).contains($0) || (80..<90).contains($0) }
            #expect(extremes.isEmpty, "\(generator.name) seed \(seed): \(extremes.count) values in the extreme rows' bins")
            let beyond = values.filter { $0 >= 10 }.count
            #expect(Double(beyond) < 0.01 * Double(values.count), "\(generator.name) seed \(seed): \(beyond) values of 10 or more, largest \(values.max() ?? 0)")
            // The dependence the bulk carries is kept.
            let byGroup = (0..<2).map { g in zip(synthetic.values[0], values).filter { Int($0.0) == g }.map(\.1) }
            let means = byGroup.map { $0.reduce(0, +) / Double(max(1, $0.count)) }
            #expect(means[1] - means[0] > 1, "\(generator.name) seed \(seed): group means \(means)")
        }
    }

    @Test("a numeric bin that stands out alone needs three deviations, or a window of mass; one beside another survivor two; categories two")
    func isolatedBinRule() {
        let generator = MSTGenerator()
        let numeric = ColumnSchema(name: "v", kind: .real(lower: 0, upper: 8, binEdges: [0, 1, 2, 3, 4, 5, 6, 7, 8], decimals: 1))
        // Deviation 10: bins 0-1 are the bulk, bin 2 (25) sits beside it, bin 5 (25) stands
        // alone (window 32 < 2 sqrt(3) 10), bin 7 (35) stands alone above three deviations.
        let counts: [Double] = [400, 300, 25, 4, 12, 25, -5, 35]
        #expect(generator.keptCounts(counts, column: numeric, deviation: 10) == [400, 300, 25, 0, 0, 0, 0, 35])
        // A bin whose sparse neighbours carry mass too passes by its window (55 > 2 sqrt(3) 10)
        // where other mass passes two bins away (bin 2 beside bin 4, the bulk beside bin 2) ...
        #expect(generator.keptCounts([400, 0, 25, 15, 25, 15, 0, 0], column: numeric, deviation: 10) == [400, 0, 25, 0, 25, 0, 0, 0])
        // ... but not far from every other passing bin: a far tail bin needs three deviations.
        #expect(generator.keptCounts([400, 0, 0, 15, 25, 15, 0, 0], column: numeric, deviation: 10) == [400, 0, 0, 0, 0, 0, 0, 0])
        // Two neighbours that both pass keep each other.
        #expect(generator.keptCounts([400, 0, 0, 25, 22, 0, 0, 0], column: numeric, deviation: 10) == [400, 0, 0, 25, 22, 0, 0, 0])
        // Categories have no neighbours: two deviations decide.
        let categorical = ColumnSchema(name: "c", kind: .categorical(categories: (0..<8).map { "c\($0)" }))
        #expect(generator.keptCounts(counts, column: categorical, deviation: 10) == [400, 300, 25, 0, 0, 25, 0, 35])
        // Without noise nothing is dropped but empty codes.
        #expect(generator.keptCounts([5, 0, 1, 0, 0, 0, 0, 2], column: numeric, deviation: 0) == [5, 0, 1, 0, 0, 0, 0, 2])
    }

    @Test("samples respect the schema: categories, bounds, whole numbers, decimals")
    func samplesRespectSchema() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "k", kind: .categorical(categories: ["u", "v"])),
            ColumnSchema(name: "n", kind: .integer(lower: 3, upper: 17, binEdges: [0, 5, 10, 20]), missing: .keep),
            ColumnSchema(name: "r", kind: .real(lower: -2, upper: 2.5, binEdges: [-3, 0, 3], decimals: 1)),
        ])
        let random = SeededRandom(seed: 9)
        var table = Table(schema: schema)
        for _ in 0..<600 {
            let n = random.unitDouble() < 0.1 ? Double.nan : Double(3 + random.uniform(below: 15))
            table.append(row: [Double(random.uniform(below: 2)), n, (random.unitDouble() * 4.5 - 2)])
        }
        for kind in GeneratorKind.allCases {
            let generator = kind.makeGenerator()
            let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 1)
            let synthetic = try SynthesisTestSupport.fit(generator, tables: [table], plan: plan).model.sample(rows: 2000, using: random)
            #expect(synthetic.rowCount == 2000)
            #expect(synthetic.values[0].allSatisfy { $0 == 0 || $0 == 1 })
            #expect(synthetic.values[1].allSatisfy { $0.isNaN || ($0 >= 3 && $0 <= 17 && $0 == $0.rounded()) })
            #expect(synthetic.values[1].contains { $0.isNaN }, "\(kind): missing values are a kept category")
            #expect(synthetic.values[2].allSatisfy { $0 >= -2 && $0 <= 2.5 && abs($0 * 10 - ($0 * 10).rounded()) < 1e-9 })
            // What was sampled reads back through the schema without a bad row.
            let reread = try CSVReader(schema: schema).read(bytes: CSVWriter.encode(synthetic), name: "synthetic.csv")
            #expect(reread.table.rowCount == 2000)
        }
    }

    @Test("the privacy plan meets the target epsilon at quorum and reports more noise with more contributors")
    func privacyPlan() throws {
        let releases = try MSTGenerator().plannedReleases(schema: SynthesisTestSupport.chainSchema)
        let plan = try PrivacyPlan.calibrate(releases: releases, epsilon: 1, delta: 1e-6, quorum: 2)
        let atQuorum = try plan.accountedEpsilon(contributors: Dictionary(uniqueKeysWithValues: releases.map { ($0.name, 2) }))
        #expect(atQuorum.epsilon <= 1 && atQuorum.epsilon > 0.97)
        let more = try plan.accountedEpsilon(contributors: Dictionary(uniqueKeysWithValues: releases.map { ($0.name, 3) }))
        #expect(more.epsilon < atQuorum.epsilon)
        #expect(throws: ApiaryError.self) { try plan.accountedEpsilon(contributors: [releases[0].name: 1]) }
        // The tree release has the largest weight, so the least noise per unit of sensitivity.
        let tree = try #require(try plan.noise(for: MSTGenerator.treeRelease))
        let selection = try #require(try plan.noise(for: MSTGenerator.selectionRelease))
        #expect(tree.targetTotalMu / (tree.l2 * tree.l2) < selection.targetTotalMu / (selection.l2 * selection.l2))
        // Below what the accountant can reach at this delta, the error says how low it goes.
        do {
            _ = try PrivacyPlan.calibrate(releases: releases, epsilon: 1e-4, delta: 1e-6, quorum: 2)
            Issue.record("epsilon 1e-4 was accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .outOfRange && error.reason.contains("smallest reachable epsilon there is 0.0"), "\(error)")
        }
    }
}

@Suite("MST with a parent of hundreds of categories")
struct MSTManyCategoryParentTests {
    @Test("a binary child hung on a 300-category target keeps both codes (the table's cells cannot pass the floor)")
    func childCodesSurvive() throws {
        let categories = (0..<300).map { "p\($0)" }
        let schema = TableSchema(columns: [
            ColumnSchema(name: "price", kind: .categorical(categories: categories)),
            ColumnSchema(name: "b", kind: .categorical(categories: ["u", "v"])),
        ], target: "price")
        let random = SeededRandom(seed: 21)
        var tables: [Table] = []
        for _ in 0..<3 {
            var table = Table(schema: schema)
            for row in 0..<300 { table.append(row: [Double(random.uniform(below: 300)), Double(row % 2)]) }
            tables.append(table)
        }
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 3)
        for seed in UInt64(0)..<4 {
            let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model.sample(rows: 900, using: random)
            let share = SynthesisTestSupport.distribution(synthetic, column: 1)
            #expect(share.allSatisfy { $0 > 0.3 }, "seed \(seed): b's codes \(share)")
        }
    }
}

@Suite("Columns whose bins are all below the noise")
struct BelowNoiseColumnTests {
    /// Standard deviation of a column's non-missing values.
    static func spread(_ values: [Double]) -> Double {
        let present = values.filter { !$0.isNaN }
        let mean = present.reduce(0, +) / Double(present.count)
        return (present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)).squareRoot()
    }

    @Test("150 rows per institution over 20 bins at epsilon 1: neither generator collapses a uniform column onto a few values")
    func noCollapse() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "age", kind: .integer(lower: 19, upper: 79, binEdges: [19, 20, 23, 27, 32, 35, 38, 42, 46, 48, 50, 52, 54, 56, 59, 61, 64, 67, 69, 74, 79])),
            ColumnSchema(name: "level", kind: .real(lower: 0, upper: 10, binEdges: (0...20).map { Double($0) / 2 }, decimals: 2)),
            ColumnSchema(name: "flag", kind: .categorical(categories: ["a", "b"])),
        ])
        let random = SeededRandom(seed: 5)
        var tables: [Table] = []
        for _ in 0..<3 {
            var table = Table(schema: schema)
            for _ in 0..<150 { table.append(row: [Double(19 + random.uniform(below: 61)), random.unitDouble() * 10, Double(random.uniform(below: 2))]) }
            tables.append(table)
        }
        let realAge = Self.spread(tables.flatMap { $0.values[0] }), realLevel = Self.spread(tables.flatMap { $0.values[1] })
        for kind in GeneratorKind.allCases {
            let generator = kind.makeGenerator()
            let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 3)
            for seed in UInt64(0)..<6 {
                let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model.sample(rows: 400, using: random)
                #expect(Self.spread(synthetic.values[0]) > 0.4 * realAge, "\(kind) seed \(seed): age spread \(Self.spread(synthetic.values[0])) of \(realAge)")
                #expect(Self.spread(synthetic.values[1]) > 0.4 * realLevel, "\(kind) seed \(seed): level spread \(Self.spread(synthetic.values[1])) of \(realLevel)")
            }
        }
    }

    @Test("twelve uniform columns, 120 rows per institution, at epsilon 1: neither generator collapses a column onto one bin's noise",
          arguments: GeneratorKind.allCases)
    func wideSmallTable(kind: GeneratorKind) throws {
        let edges = (0...20).map { Double($0) / 2 }
        let schema = TableSchema(columns: (0..<12).map { ColumnSchema(name: "x\($0)", kind: .real(lower: 0, upper: 10, binEdges: edges, decimals: 2)) })
        let random = SeededRandom(seed: 11)
        var tables: [Table] = []
        for _ in 0..<3 {
            var table = Table(schema: schema)
            for _ in 0..<120 { table.append(row: (0..<12).map { _ in random.unitDouble() * 10 }) }
            tables.append(table)
        }
        let generator = kind.makeGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 3)
        for seed in UInt64(0)..<6 {
            let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model.sample(rows: 360, using: random)
            for column in 0..<12 {
                let real = Self.spread(tables.flatMap { $0.values[column] })
                // One bin of the twenty has a spread of 0.05 of the real one.
                #expect(Self.spread(synthetic.values[column]) > 0.2 * real, "\(kind) seed \(seed), x\(column): spread \(Self.spread(synthetic.values[column])) of \(real)")
            }
        }
    }

    @Test("the copula reads a column whose kept bins hold few of its rows at the resolution the noise allows")
    func copulaCoarseMarginal() throws {
        let schema = TableSchema(columns: [ColumnSchema(name: "v", kind: .real(lower: 0, upper: 8, binEdges: (0...8).map(Double.init), decimals: 1))])
        let generator = GaussianCopulaGenerator()
        // Deviation 10, 146 records: bin 6's 36 passes three deviations alone and is the only
        // bin kept, though the others hold three quarters of the rows below the noise. Read at
        // g = floor((146 / (2 * 10 * sqrt 8))^2) = 6 groups ({0,1}, {2}, {3}, {4,5}, {6}, {7}),
        // groups 0, 3 and 4 pass their own noise.
        let counts: [Double] = [18, 17, 16, 18, 17, 16, 36, 8]
        let kept = NoiseSupportRule(fineThreshold: 2, isolatedThreshold: 3).keptCounts(counts, column: schema.columns[0], deviation: 10)
        #expect(kept == [0, 0, 0, 0, 0, 0, 36, 0])
        let margin = generator.samplingMarginals(schema: schema, counts: [counts], total: 146, noiseVariance: 100)[0]
        #expect(margin.filter { $0 > 0 }.count == 5, "\(margin)")
        #expect(margin[6] < 0.5)
        // Within a group the bins share its mass by width (here equal).
        #expect(abs(margin[0] - margin[1]) < 1e-12 && abs(margin[4] - margin[5]) < 1e-12)
        #expect(abs(margin.reduce(0, +) - 1) < 1e-9)
        // Counts well above the noise keep the schema's bins.
        let large: [Double] = [500, 300, 200, 100, 50, 30, 30, 0]
        let fine = generator.samplingMarginals(schema: schema, counts: [large], total: 1210, noiseVariance: 100)[0]
        #expect(zip(fine, large).allSatisfy { abs($0 - $1 / 1210) < 1e-12 }, "\(fine)")
    }

    @Test("a target class whose count sits near the noise is kept by either generator (40 rows a class, twelve columns, epsilon 1)",
          arguments: GeneratorKind.allCases)
    func targetClassesKept(kind: GeneratorKind) throws {
        let edges = (0...20).map { Double($0) / 2 }
        let schema = TableSchema(columns: (0..<12).map { ColumnSchema(name: "x\($0)", kind: .real(lower: 0, upper: 10, binEdges: edges, decimals: 2)) }
                                 + [ColumnSchema(name: "class", kind: .categorical(categories: ["a", "b", "c"]))], target: "class")
        let random = SeededRandom(seed: 13)
        var tables: [Table] = []
        for _ in 0..<3 {
            var table = Table(schema: schema)
            for row in 0..<40 {
                // Three columns follow the class; the rest are uniform.
                let label = Double(row % 3)
                var values: [Double] = (0..<12).map { column -> Double in
                    column < 3 ? label * 3 + random.unitDouble() * 3 : random.unitDouble() * 10
                }
                values.append(label)
                table.append(row: values)
            }
            tables.append(table)
        }
        let generator = kind.makeGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 3)
        for seed in UInt64(0)..<8 {
            let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model.sample(rows: 360, using: random)
            let classes = SynthesisTestSupport.distribution(synthetic, column: 12)
            #expect(classes.allSatisfy { $0 > 0.05 }, "\(kind) seed \(seed): classes \(classes)")
        }
    }

    @Test("MST shares a group among its bins at the resolution the noise allows when the kept bins hold few of the rows")
    func mstCoarseWithinGroup() throws {
        let schema = TableSchema(columns: [ColumnSchema(name: "v", kind: .real(lower: 0, upper: 8, binEdges: (0...8).map(Double.init), decimals: 1))])
        let generator = MSTGenerator()
        // As in `copulaCoarseMarginal`: only bin 6 is kept, holding a quarter of the rows.
        let counts: [Double] = [18, 17, 16, 18, 17, 16, 36, 8]
        let groups = [0, 0, 0, 0, 1, 1, 1, 1]
        let coarse = try #require(generator.coarseReading(column: 0, schema: schema, counts: counts, total: 146, deviation: 10))
        let shares = generator.withinGroupShares(counts, column: schema.columns[0], groups: groups, groupCount: 2, deviation: 10, coarse: coarse).shares
        // Without the coarse reading the upper group's rows go to bin 6 and its tail neighbour.
        let piled = generator.withinGroupShares(counts, column: schema.columns[0], groups: groups, groupCount: 2, deviation: 10).shares
        #expect(piled[4] == 0 && piled[6] >= 0.6, "\(piled)")
        // With it, each group follows the coarse reading ({0,1}, {4,5} and {6} pass, bins 2, 3 and 7 do not).
        for (code, group) in groups.enumerated() {
            let groupTotal = groups.indices.filter { groups[$0] == group }.reduce(0) { $0 + coarse[$1] }
            #expect(abs(shares[code] - coarse[code] / groupTotal) < 1e-12, "\(shares)")
        }
        #expect(shares[4] > 0.2 && shares[5] > 0.2 && shares[6] < 0.55, "\(shares)")
        // Counts well above the noise keep their own shares.
        #expect(generator.coarseReading(column: 0, schema: schema, counts: [500, 300, 200, 100, 50, 30, 30, 0], total: 1210, deviation: 10) == nil)
    }

    @Test("the copula's sampling margin of a column without a code above the noise is flat over the range")
    func copulaFlatFallback() {
        let schema = TableSchema(columns: [ColumnSchema(name: "v", kind: .real(lower: 0, upper: 4, binEdges: [0, 1, 3, 4], decimals: 1))])
        let margins = GaussianCopulaGenerator().samplingMarginals(schema: schema, counts: [[3, -2, 5]], total: 6, noiseVariance: 100)
        #expect(margins == [[0.25, 0.5, 0.25]])
        // Without noise the counts are the margin.
        #expect(GaussianCopulaGenerator().samplingMarginals(schema: schema, counts: [[3, 0, 1]], total: 4, noiseVariance: 0) == [[0.75, 0, 0.25]])
    }
}
