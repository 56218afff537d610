import Foundation

/// Numerics in log space for the accountant: sums of exponentials that would overflow a
/// `Double`, log-binomial coefficients and the log of the complementary error function.
///
/// The operations mirror the ones Google's dp-accounting uses (`_log_add`, `_log_comb`,
/// `_log_erfc`) so the accountant reproduces that library's figures digit for digit.
enum LogSpace {
    /// log(exp(x) + exp(y)) without overflow; -infinity stands for log(0).
    @inline(__always)
    static func add(_ x: Double, _ y: Double) -> Double {
        let small = min(x, y)
        let large = max(x, y)
        if small == -.infinity { return large }
        // exp(a) + exp(b) = (exp(a - b) + 1) * exp(b) with b the larger, so exp never overflows.
        return log1p(exp(small - large)) + large
    }

    /// Largest integer order for which log-factorials are tabulated; dp-accounting's default
    /// grid tops out at 1024. Larger integer orders fall back to `lgamma`.
    static let tabulatedFactorials = 4096

    /// log(k!) for k in 0...tabulatedFactorials, computed once with `lgamma` (the same
    /// function scipy's `gammaln` evaluates) so integer-order binomials cost three loads.
    static let logFactorials: [Double] = (0...tabulatedFactorials).map { lgamma(Double($0) + 1) }

    /// log C(n, k) for integers 0 <= k <= n.
    @inline(__always)
    static func logBinomial(_ n: Int, _ k: Int) -> Double {
        if n <= tabulatedFactorials {
            return logFactorials[n] - logFactorials[k] - logFactorials[n - k]
        }
        return lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }

    /// log |C(alpha, k)| for real alpha via log|Gamma|, as scipy's `gammaln` gives it. For a
    /// fractional alpha and k > alpha the coefficient alternates in sign; the sampled-Gaussian
    /// series uses its absolute value (an upper bound), exactly as dp-accounting does.
    @inline(__always)
    static func logBinomial(real alpha: Double, _ k: Int) -> Double {
        lgamma(alpha + 1) - lgamma(Double(k) + 1) - lgamma(alpha - Double(k) + 1)
    }

    /// log(erfc(x)), accurate where erfc(x) underflows (x beyond ~26).
    ///
    /// Below the cut-over the C library's `erfc` is accurate to an ulp even at 1e-170, so its
    /// logarithm is used directly. Above it we use the asymptotic expansion
    /// erfc(x) = exp(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + ...),
    /// whose terms at x >= 20 fall below 1e-17 after the seventh.
    static func logErfc(_ x: Double) -> Double {
        if x < 20 { return log(erfc(x)) }
        let inverseSquare = 1 / (x * x)
        // Coefficients (-1)^n (2n-1)!! / 2^n.
        let coefficients: [Double] = [1, -0.5, 0.75, -1.875, 6.5625, -29.53125, 162.421875, -1055.7421875]
        var series = 0.0
        var power = 1.0
        for coefficient in coefficients {
            series += coefficient * power
            power *= inverseSquare
        }
        return -x * x - log(x) - 0.5 * log(Double.pi) + log(series)
    }
}
