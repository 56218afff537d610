/// Integer bounds on products of rational factors in [0, 1], in fixed point with `precision`
/// fractional bits, rounded down for the lower bound and up for the upper bound at every step
/// so that lower <= product * 2^precision <= upper holds exactly.
enum RationalProductBounds {
    /// Bounds on prod n_i / d_i over `factors` (each n_i <= d_i, d_i > 0).
    static func product(of factors: some Sequence<(UInt64, UInt64)>, precision: Int) -> (lower: BigUInt, upper: BigUInt) {
        var lower = BigUInt(1) << precision
        var upper = lower
        for (numerator, denominator) in factors {
            let divisor = BigUInt(denominator)
            lower = lower.multiplied(by: numerator) / divisor
            upper = (upper.multiplied(by: numerator).adding(denominator - 1)) / divisor
        }
        return (lower, upper)
    }

    /// Bounds on (n / d)^exponent (n <= d, d > 0) by square-and-multiply.
    static func power(_ numerator: UInt64, over denominator: UInt64, exponent: UInt64,
                      precision: Int) -> (lower: BigUInt, upper: BigUInt) {
        let one = BigUInt(1) << precision
        let roundUp = one - BigUInt(1)
        let scaledNumerator = BigUInt(numerator) << precision
        let divisor = BigUInt(denominator)
        var baseLower = scaledNumerator / divisor
        var baseUpper = (scaledNumerator.adding(denominator - 1)) / divisor
        var lower = one
        var upper = one
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 {
                lower = (lower * baseLower) >> precision
                upper = (upper * baseUpper + roundUp) >> precision
            }
            remaining >>= 1
            if remaining > 0 {
                baseLower = baseLower.squared >> precision
                baseUpper = (baseUpper.squared + roundUp) >> precision
            }
        }
        return (lower, upper)
    }
}
