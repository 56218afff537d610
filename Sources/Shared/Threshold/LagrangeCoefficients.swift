/// The integer Lagrange coefficients at 0 scaled by Delta = l!:
/// lambda_i = Delta * prod_{j in S, j != i} j / (j - i), for a set S of party ids.
///
/// Delta makes every lambda_i an integer; it may be negative, so each is held as a magnitude and
/// a sign (combination raises to the magnitude and inverts the negative ones).
struct LagrangeCoefficients: Sendable {
    /// One signed integer coefficient.
    struct Coefficient: Equatable, Sendable {
        let magnitude: BigUInt
        let isNegative: Bool

        /// The value as a machine integer, when it fits (for tests and known answers).
        var intValue: Int? {
            guard let value = magnitude.uint64Value, value <= UInt64(Int.max) else { return nil }
            return isNegative ? -Int(value) : Int(value)
        }
    }

    /// The parties, in the order given.
    let parties: [Int]
    /// `values[k]` is the coefficient of `parties[k]`.
    let values: [Coefficient]

    /// Coefficients for distinct positive party ids; `delta` must be a multiple of every
    /// denominator (true for Delta = l! with ids in 1...l).
    init(parties: [Int], delta: BigUInt) {
        precondition(Set(parties).count == parties.count && parties.allSatisfy { $0 > 0 }, "distinct positive party ids")
        self.parties = parties
        values = parties.map { i in
            var numerator = delta
            var denominator = BigUInt(1)
            var negatives = 0
            for j in parties where j != i {
                numerator = numerator.multiplied(by: UInt64(j))
                denominator = denominator.multiplied(by: UInt64(abs(j - i)))
                if j < i { negatives += 1 }
            }
            precondition(numerator.isDivisible(by: denominator), "Delta does not clear the Lagrange denominator")
            return Coefficient(magnitude: numerator.dividedExactly(by: denominator), isNegative: negatives % 2 == 1)
        }
    }
}
