/// The Renyi orders (alpha > 1) at which the accountant tracks a privacy curve.
///
/// RDP holds at every order at once; conversion to (epsilon, delta) takes the best order, so
/// the grid only decides how finely that minimum is searched. Two curves can be composed only
/// over the same grid.
public struct RDPOrderGrid: Hashable, Sendable {
    /// The orders, strictly increasing, each > 1.
    public let orders: [Double]

    /// A grid of the given orders.
    /// - Throws: `ApiaryError(.invalidArgument)` if the list is empty, an order is not finite
    ///   or not above 1, or the orders are not strictly increasing.
    public init(orders: [Double]) throws {
        guard !orders.isEmpty else {
            throw ApiaryError(.invalidArgument, "RDP order grid must contain at least one order")
        }
        for (index, order) in orders.enumerated() {
            guard order.isFinite, order > 1 else {
                throw ApiaryError(.invalidArgument, "RDP order must be a finite number above 1, got \(order)")
            }
            if index > 0, orders[index - 1] >= order {
                throw ApiaryError(.invalidArgument, "RDP orders must be strictly increasing, got \(orders[index - 1]) then \(order)")
            }
        }
        self.orders = orders
    }

    private init(unchecked orders: [Double]) { self.orders = orders }

    /// dp-accounting's `DEFAULT_RDP_ORDERS` (version 0.6.0): 1.1 to 10.9 in steps of 0.1,
    /// the integers 11 to 63, then 128, 256, 512 and 1024.
    ///
    /// Why 1024 although TensorFlow Privacy's older grid stops at 512: the target is agreement
    /// with dp-accounting's `RdpAccountant()`, and for weak composition (large noise, few steps)
    /// its minimum lands on 1024; dropping it would report up to twice the epsilon there.
    /// The fractional orders are computed as `1 + x / 10` exactly as the library does, so the
    /// integers 2...10 in that range are bit-identical integers and take the integer formula.
    public static let dpAccountingDefault = RDPOrderGrid(unchecked:
        (1..<100).map { 1 + Double($0) / 10 } + (11...63).map(Double.init) + [128, 256, 512, 1024])

    /// The integer orders in `range` (lower bound >= 2), e.g. `integers(2...256)`, the grid the
    /// reference calibration and Skellam figures use.
    public static func integers(_ range: ClosedRange<Int>) throws -> RDPOrderGrid {
        guard range.lowerBound >= 2 else {
            throw ApiaryError(.invalidArgument, "integer RDP orders must start at 2 or above, got \(range.lowerBound)")
        }
        return RDPOrderGrid(unchecked: range.map(Double.init))
    }
}
