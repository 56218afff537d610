import Foundation

/// A floating-point value with a bound on its error: the true value lies within
/// `value - error ... value + error`.
struct LogSumEstimate {
    var value: Double
    var error: Double

    static let zero = LogSumEstimate(value: 0, error: 0)

    static func + (lhs: LogSumEstimate, rhs: LogSumEstimate) -> LogSumEstimate {
        LogSumEstimate(value: lhs.value + rhs.value, error: lhs.error + rhs.error)
    }

    static prefix func - (operand: LogSumEstimate) -> LogSumEstimate {
        LogSumEstimate(value: -operand.value, error: operand.error)
    }

    /// Bounds on exp(value) that hold for the true value (exp's own rounding, under an ulp,
    /// is absorbed by a relative 1e-14). The upper bound never goes below 2^-1000: exp
    /// underflows to subnormals or 0 for a true value that is still positive, and an upper bound
    /// of 0 would decide "U >= p" for a U whose leading bits are all 0.
    var exponentialBounds: (lower: Double, upper: Double) {
        (exp(value - error) * (1 - 1e-14), max(exp(value + error) * (1 + 1e-14), 0x1p-1000))
    }

    /// sum_{t=0}^{count-1} log(1 + sign (t + offset) / scale) in O(1), for sign = +1 or -1,
    /// offset >= 0 and every term's |sign (t + offset) / scale| <= 1/4; nil outside that range.
    ///
    /// Euler-Maclaurin with two correction terms (g(t) the summand; g'''' has one sign, so
    /// the remainder bound 2 zeta(4) / (2 pi)^4 int |g''''| is |g'''(n-1) - g'''(0)| / 720):
    ///     sum = int_0^{n-1} g + (g(0) + g(n-1)) / 2 + (g'(n-1) - g'(0)) / 12
    ///           - (g'''(n-1) - g'''(0)) / 720 + R,      |R| <= |g'''(n-1) - g'''(0)| / 720,
    /// and int g = (scale / sign) (phi(z1) - phi(z0)) with z = sign (t + offset) / scale and
    /// phi(z) = (1 + z) log(1 + z) - z. The error bound adds R to a relative 1e-11 of the
    /// parts for rounding (the parts are accurate to about 1e-14 relative: phi by its series
    /// below |z| = 2^-5 and directly above, where its cancellation costs at most 2^6 ulps).
    static func logOnePlusSum(count: UInt64, offset: Double, scale: Double, sign: Double) -> LogSumEstimate? {
        if count == 0 { return .zero }
        let z0 = sign * offset / scale
        let z1 = sign * (Double(count - 1) + offset) / scale
        guard abs(z0) <= 0.25, abs(z1) <= 0.25, offset >= 0, scale > 0 else { return nil }
        let g0 = log1p(z0)
        let g1 = log1p(z1)
        let phi0 = phi(z0)
        let phi1 = phi(z1)
        let integral = (scale / sign) * (phi1 - phi0)
        // g'(t) = (sign / scale) / (1 + z), g'''(t) = 2 (sign / scale)^3 / (1 + z)^3.
        let slope0 = sign / (scale * (1 + z0))
        let slope1 = sign / (scale * (1 + z1))
        let third0 = 2 * slope0 * slope0 * slope0
        let third1 = 2 * slope1 * slope1 * slope1
        let correction = (slope1 - slope0) / 12 - (third1 - third0) / 720
        let value = integral + (g0 + g1) / 2 + correction
        let rounding = 1e-11 * (scale * (abs(phi0) + abs(phi1)) + abs(g0) + abs(g1) + abs(correction))
        return LogSumEstimate(value: value, error: abs(third1 - third0) / 720 + rounding + 1e-300)
    }

    /// (1 + z) log(1 + z) - z for |z| <= 1/4.
    static func phi(_ z: Double) -> Double {
        if abs(z) < 0x1p-5 {
            // sum_{k>=2} (-1)^k z^k / (k (k - 1)); the terms past z^12 are below 2^-60 of z^2.
            var sum = 0.0
            var power = z * z
            for k in 2...12 {
                let term = power / Double(k * (k - 1))
                sum += k % 2 == 0 ? term : -term
                power *= z
            }
            return sum
        }
        return (1 + z) * log1p(z) - z
    }
}
