/// A tree-structured distribution over the discretised columns: one root column's
/// distribution, then for every edge the child's distribution given the parent's code.
/// Sampling is ancestral (root first, edges in breadth-first order); numbers are then drawn
/// uniformly within their bin (`Discretiser.value`).
public struct TreeModel: SynthesisModel, Codable, Equatable {
    /// The schema.
    public let schema: TableSchema
    /// The root column.
    public let root: Int
    /// Edges in breadth-first order from the root (every parent is sampled before its child).
    public let edges: [TreeEdge]
    /// Every column's probabilities over its codes (consistent with the edges).
    public let marginals: [[Double]]
    /// Per edge, P(child code | parent code), parent-major (parent codes x child codes).
    public let conditionals: [[Double]]
    /// The noisy estimate of the number of records fitted.
    public let estimatedRecords: Double

    /// A model with the given parts.
    /// - Throws: `ApiaryError(.invalidArgument)` if the edges do not form a tree from the root
    ///   in breadth-first order or the tables' sizes do not match the schema.
    public init(schema: TableSchema, root: Int, edges: [TreeEdge], marginals: [[Double]], conditionals: [[Double]],
                estimatedRecords: Double) throws {
        let d = schema.columns.count
        let cards = schema.codeCounts
        guard marginals.count == d, zip(marginals, cards).allSatisfy({ $0.count == $1 }) else {
            throw ApiaryError(.invalidArgument, "tree model marginals do not match the schema")
        }
        guard edges.count == d - 1, conditionals.count == edges.count, (0..<d).contains(root) else {
            throw ApiaryError(.invalidArgument, "a tree over \(d) columns needs \(d - 1) edges")
        }
        var sampled = Set([root])
        for (edge, table) in zip(edges, conditionals) {
            guard sampled.contains(edge.parent), !sampled.contains(edge.child), (0..<d).contains(edge.child) else {
                throw ApiaryError(.invalidArgument, "tree model edges are not a tree in breadth-first order")
            }
            guard table.count == cards[edge.parent] * cards[edge.child] else {
                throw ApiaryError(.invalidArgument, "tree model conditional table has the wrong size")
            }
            sampled.insert(edge.child)
        }
        self.schema = schema
        self.root = root
        self.edges = edges
        self.marginals = marginals
        self.conditionals = conditionals
        self.estimatedRecords = estimatedRecords
    }

    /// `rows` rows sampled ancestrally.
    public func sample(rows: Int, using random: some RandomSource) -> Table {
        let d = schema.columns.count
        let cards = schema.codeCounts
        let discretiser = Discretiser(schema: schema)
        let rootCumulative = Self.cumulative(marginals[root])
        let conditionalCumulative: [[[Double]]] = zip(edges, conditionals).map { edge, table in
            let width = cards[edge.child]
            return (0..<cards[edge.parent]).map { Self.cumulative(Array(table[($0 * width)..<(($0 + 1) * width)])) }
        }
        var codes = [[Int]](repeating: [Int](repeating: 0, count: rows), count: d)
        for row in 0..<rows {
            codes[root][row] = Self.draw(rootCumulative, random.unitDouble())
            for (index, edge) in edges.enumerated() {
                codes[edge.child][row] = Self.draw(conditionalCumulative[index][codes[edge.parent][row]], random.unitDouble())
            }
        }
        let values = (0..<d).map { column in
            codes[column].map { discretiser.value(column: column, code: $0, position: random.unitDouble()) }
        }
        // Sizes match the schema by construction.
        return try! Table(schema: schema, columns: values)
    }

    /// Running sums of probabilities, normalised to end at 1 (uniform if all are zero).
    static func cumulative(_ probabilities: [Double]) -> [Double] {
        let total = probabilities.reduce(0, +)
        var running = 0.0
        return probabilities.map { p in
            running += total > 0 ? p / total : 1 / Double(probabilities.count)
            return running
        }
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
