/// Exact Bernoulli trials with probability exp(-x) for rational x >= 0, and with rational
/// probability n/d: the coin every other exact sampler is built from.
///
/// Canonne, Kamath and Steinke 2020, "The Discrete Gaussian for Differential Privacy"
/// (arXiv:2004.00010), Algorithm 1. For gamma = n/d in [0, 1], flip Bernoulli(gamma/k) for
/// k = 1, 2, ... until the first failure at step K; since P(K > k) = gamma^k / k!, the
/// probability that K is odd is sum (-gamma)^k / k! = exp(-gamma). For x > 1, exp(-x) is the
/// product of floor(x) coins exp(-1) and one exp(-(x - floor x)). Every coin compares a
/// uniform integer below d with n, so no step rounds; the expected number of uniform draws
/// is below 3 per unit of x, and the loop over floor(x) ends at the first failure.
public enum BernoulliExponential {
    /// true with probability exactly numerator/denominator (requires numerator <= denominator).
    @inline(__always)
    public static func bernoulli(_ numerator: UInt64, over denominator: UInt64, using source: some RandomSource) -> Bool {
        precondition(denominator > 0 && numerator <= denominator, "probability must be in [0, 1]")
        if numerator == denominator { return true }
        if numerator == 0 { return false }
        return source.uniform(below: denominator) < numerator
    }

    /// true with probability exactly exp(-x).
    public static func sample(exponent x: ExactRational, using source: some RandomSource) -> Bool {
        sample(wholePart: x.numerator / x.denominator, fraction: x.numerator % x.denominator,
               over: x.denominator, using: source)
    }

    /// true with probability exp(-(wholePart + fraction/denominator)), fraction < denominator.
    static func sample(wholePart: UInt64, fraction: UInt64, over denominator: UInt64,
                       using source: some RandomSource) -> Bool {
        var remaining = wholePart
        while remaining > 0 {
            if !sampleAtMostOne(1, over: 1, using: source) { return false }
            remaining -= 1
        }
        return sampleAtMostOne(fraction, over: denominator, using: source)
    }

    /// true with probability exp(-gamma), gamma = numerator/denominator in [0, 1].
    static func sampleAtMostOne(_ numerator: UInt64, over denominator: UInt64, using source: some RandomSource) -> Bool {
        var k: UInt64 = 1
        // Bernoulli(gamma / k) as the conjunction of independent Bernoulli(gamma) and
        // Bernoulli(1/k): the same probability, and d * k can never overflow.
        while bernoulli(numerator, over: denominator, using: source), source.uniform(below: k) == 0 {
            k += 1
        }
        return k & 1 == 1
    }
}
