import Foundation

/// A Renyi-DP guarantee: for each order alpha of a grid, the mechanism is (alpha, rdp[alpha])-RDP.
///
/// Composition of mechanisms adds curves order by order (Mironov 2017, Proposition 1), so T
/// rounds of one mechanism are its curve times T, and rounds of different mechanisms sum.
/// `+infinity` at an order means "no guarantee at this order"; the conversion skips it.
public struct RDPCurve: Hashable, Sendable, Codable {
    /// The orders.
    public let orders: [Double]
    /// The RDP epsilon at each order (same length as `orders`), each >= 0 or +infinity.
    public let values: [Double]

    /// A curve over `grid` with the given values.
    /// - Throws: `ApiaryError(.invalidArgument)` if the lengths differ or a value is NaN or negative.
    public init(grid: RDPOrderGrid, values: [Double]) throws {
        guard values.count == grid.orders.count else {
            throw ApiaryError(.invalidArgument, "RDP curve has \(values.count) values for \(grid.orders.count) orders")
        }
        for value in values where value.isNaN || value < 0 {
            throw ApiaryError(.invalidArgument, "RDP value must be non-negative, got \(value)")
        }
        self.orders = grid.orders
        self.values = values
    }

    private enum CodingKeys: String, CodingKey { case orders, values }

    /// Decodes {"orders": [...], "values": [...]} and validates it like `init(grid:values:)`,
    /// so a damaged or edited budget record cannot smuggle in negative spending.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let grid = try RDPOrderGrid(orders: try container.decode([Double].self, forKey: .orders))
        try self.init(grid: grid, values: try container.decode([Double].self, forKey: .values))
    }

    init(unchecked orders: [Double], values: [Double]) {
        self.orders = orders
        self.values = values
    }

    /// The zero curve (nothing spent) over `grid`.
    public static func zero(over grid: RDPOrderGrid) -> RDPCurve {
        RDPCurve(unchecked: grid.orders, values: [Double](repeating: 0, count: grid.orders.count))
    }

    /// This curve composed with itself `steps` times (each value times `steps`).
    public func repeated(_ steps: Int) throws -> RDPCurve {
        try PrivacyParameterCheck.steps(steps)
        let factor = Double(steps)
        return RDPCurve(unchecked: orders, values: values.map { $0 * factor })
    }

    /// Sequential composition with `other` (sum per order).
    /// - Throws: `ApiaryError(.invalidArgument)` if the two curves use different order grids.
    public func composed(with other: RDPCurve) throws -> RDPCurve {
        guard orders == other.orders else {
            throw ApiaryError(.invalidArgument, "cannot compose RDP curves over different order grids")
        }
        return RDPCurve(unchecked: orders, values: zip(values, other.values).map { $0 + $1 })
    }

    /// The smallest epsilon such that the composed mechanism is (epsilon, delta)-DP, and the
    /// order that attains it, by the conversion of Canonne, Kamath and Steinke 2020
    /// (Proposition 12 of arXiv:2004.00010 v4; also Asoodeh et al. 2020, eq. 20):
    ///
    ///     epsilon = rdp(a) + log1p(-1/a) - (log(delta) + log(a)) / (a - 1),
    ///
    /// minimised over the grid, with dp-accounting's `compute_epsilon` edge cases: an order
    /// whose RDP is so small that delta^2 + expm1(-rdp) > 0 gives epsilon 0 (the KL bound
    /// delta <= sqrt(1 - exp(-rdp)) already holds); orders at or below 1.01 are skipped
    /// because the bound is numerically unstable there; the result is clamped at 0.
    /// - Throws: `ApiaryError(.invalidArgument)` unless 0 < delta < 1.
    public func epsilon(delta: Double) throws -> (epsilon: Double, order: Double) {
        try PrivacyParameterCheck.delta(delta)
        var bestEpsilon = Double.infinity
        var bestOrder = orders[0]
        for (order, rdp) in zip(orders, values) {
            let candidate: Double
            if rdp.isInfinite {
                candidate = .infinity
            } else if delta * delta + expm1(-rdp) > 0 {
                candidate = 0
            } else if order > 1.01 {
                // log(delta * a) rather than log(delta) + log(a): the library's exact expression.
                candidate = rdp + log1p(-1 / order) - log(delta * order) / (order - 1)
            } else {
                candidate = .infinity
            }
            // Strict '<' keeps the first minimum, as numpy's argmin does.
            if candidate < bestEpsilon {
                bestEpsilon = candidate
                bestOrder = order
            }
        }
        return (max(0, bestEpsilon), bestOrder)
    }
}
