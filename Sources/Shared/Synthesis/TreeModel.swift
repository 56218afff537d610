/// A tree-structured distribution over the discretised columns, at two resolutions; a child
/// may also be conditioned on a second, earlier column (a Bayesian network of in-degree at
/// most two whose skeleton contains the tree).
///
/// Each column's codes (the schema's bins or categories) are partitioned into groups (adjacent
/// bins; categories stay alone). The tree holds one root column's distribution over its groups
/// and, for every edge, the child's group distribution given the parent's group. Within a group,
/// the code follows the column's own fine distribution (`withinGroup`), and a number is drawn
/// within its bin from the log-linear density its neighbours suggest (`WithinBinDensity`).
/// Sampling is ancestral: root first, edges in breadth-first order.
public struct TreeModel: SynthesisModel, Codable, Equatable {
    /// The schema.
    public let schema: TableSchema
    /// The root column.
    public let root: Int
    /// Edges in breadth-first order from the root (every parent is sampled before its child).
    public let edges: [TreeEdge]
    /// Per column, the group of each code.
    public let groups: [[Int]]
    /// Every column's probabilities over its groups (consistent with the edges).
    public let marginals: [[Double]]
    /// Per edge, P(child group | parents' groups), one row per parent configuration (second
    /// parent's group major, then the parent's), each row over the child's groups.
    public let conditionals: [[Double]]
    /// Per column, each code's probability within its group (summing to 1 over each group).
    public let withinGroup: [[Double]]
    /// The noisy estimate of the number of records fitted.
    public let estimatedRecords: Double

    /// A model with the given parts.
    /// - Throws: `ApiaryError(.invalidArgument)` if the edges do not form a tree from the root
    ///   in breadth-first order or the tables' sizes do not match the schema and the groups.
    public init(schema: TableSchema, root: Int, edges: [TreeEdge], groups: [[Int]], marginals: [[Double]],
                conditionals: [[Double]], withinGroup: [[Double]], estimatedRecords: Double) throws {
        let d = schema.columns.count
        let codes = schema.codeCounts
        guard groups.count == d, withinGroup.count == d, marginals.count == d,
              zip(groups, codes).allSatisfy({ $0.count == $1 }), zip(withinGroup, codes).allSatisfy({ $0.count == $1 }) else {
            throw ApiaryError(.invalidArgument, "tree model tables do not match the schema")
        }
        let cards = groups.map { ($0.max() ?? -1) + 1 }
        guard zip(marginals, cards).allSatisfy({ $0.count == $1 }) else {
            throw ApiaryError(.invalidArgument, "tree model marginals do not match the groups")
        }
        guard edges.count == d - 1, conditionals.count == edges.count, (0..<d).contains(root) else {
            throw ApiaryError(.invalidArgument, "a tree over \(d) columns needs \(d - 1) edges")
        }
        var sampled = Set([root])
        for (edge, table) in zip(edges, conditionals) {
            guard sampled.contains(edge.parent), !sampled.contains(edge.child), (0..<d).contains(edge.child),
                  edge.secondParent.map({ sampled.contains($0) && $0 != edge.parent }) ?? true else {
                throw ApiaryError(.invalidArgument, "tree model edges are not a tree in breadth-first order")
            }
            guard table.count == Self.parentConfigurations(edge, cards) * cards[edge.child] else {
                throw ApiaryError(.invalidArgument, "tree model conditional table has the wrong size")
            }
            sampled.insert(edge.child)
        }
        self.schema = schema
        self.root = root
        self.edges = edges
        self.groups = groups
        self.marginals = marginals
        self.conditionals = conditionals
        self.withinGroup = withinGroup
        self.estimatedRecords = estimatedRecords
    }

    /// `ROOT (root)`, then per edge `CHILD <- PARENT` or `CHILD <- PARENT, SECOND PARENT`, in
    /// sampling order.
    public var structure: [String] {
        let name = { (column: Int) in self.schema.columns[column].name }
        return ["\(name(root)) (root)"] + edges.map { edge in
            "\(name(edge.child)) <- \(name(edge.parent))" + (edge.secondParent.map { ", \(name($0))" } ?? "")
        }
    }

    /// Number of groups of each column.
    public var groupCounts: [Int] { groups.map { ($0.max() ?? -1) + 1 } }

    /// `rows` rows sampled ancestrally.
    public func sample(rows: Int, using random: some RandomSource) -> Table {
        let d = schema.columns.count
        let cards = groupCounts
        let discretiser = Discretiser(schema: schema)
        let density = WithinBinDensity(schema: schema, codeProbabilities: codeProbabilities)
        let rootCumulative = Self.cumulative(marginals[root])
        let conditionalCumulative: [[[Double]]] = zip(edges, conditionals).map { edge, table in
            let width = cards[edge.child]
            return (0..<Self.parentConfigurations(edge, cards)).map { Self.cumulative(Array(table[($0 * width)..<(($0 + 1) * width)])) }
        }
        // For each column and group: its codes and their cumulative within-group probabilities.
        let members: [[[Int]]] = (0..<d).map { column in
            (0..<cards[column]).map { group in groups[column].indices.filter { groups[column][$0] == group } }
        }
        let memberCumulative: [[[Double]]] = (0..<d).map { column in
            members[column].map { codes in Self.cumulative(codes.map { withinGroup[column][$0] }) }
        }
        var groupCodes = [[Int]](repeating: [Int](repeating: 0, count: rows), count: d)
        for row in 0..<rows {
            groupCodes[root][row] = Self.draw(rootCumulative, random.unitDouble())
            for (index, edge) in edges.enumerated() {
                let configuration = (edge.secondParent.map { groupCodes[$0][row] * cards[edge.parent] } ?? 0) + groupCodes[edge.parent][row]
                groupCodes[edge.child][row] = Self.draw(conditionalCumulative[index][configuration], random.unitDouble())
            }
        }
        let values = (0..<d).map { column in
            groupCodes[column].map { group -> Double in
                let codes = members[column][group]
                let code = codes.count == 1 ? codes[0] : codes[Self.draw(memberCumulative[column][group], random.unitDouble())]
                return discretiser.value(column: column, code: code,
                                         position: density.position(column: column, code: code, uniform: random.unitDouble()))
            }
        }
        // Sizes match the schema by construction.
        return try! Table(schema: schema, columns: values)
    }

    /// Every column's probabilities over its codes (group probability times within-group share).
    public var codeProbabilities: [[Double]] {
        groups.indices.map { column in
            groups[column].indices.map { code in marginals[column][groups[column][code]] * withinGroup[column][code] }
        }
    }

    /// Number of rows of an edge's conditional table: the parent's groups, times the second
    /// parent's if any.
    static func parentConfigurations(_ edge: TreeEdge, _ cards: [Int]) -> Int {
        cards[edge.parent] * (edge.secondParent.map { cards[$0] } ?? 1)
    }

    /// Running sums of probabilities, normalised to end at 1 (uniform if all are zero).
    static func cumulative(_ probabilities: [Double]) -> [Double] {
        let total = probabilities.reduce(0, +)
        var running = 0.0
        var result = probabilities.map { p in
            running += total > 0 ? p / total : 1 / Double(probabilities.count)
            return running
        }
        if !result.isEmpty { result[result.count - 1] = 1 }
        return result
    }

    /// The first index whose cumulative probability exceeds u.
    static func draw(_ cumulative: [Double], _ u: Double) -> Int {
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
