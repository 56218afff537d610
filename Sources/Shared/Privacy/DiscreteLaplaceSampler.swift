/// Exact samples of the discrete Laplace distribution on the integers,
/// P(y) proportional to exp(-|y| / scale), with a rational scale t/s.
///
/// Canonne, Kamath and Steinke 2020, Algorithm 2: draw U uniform in [0, t) and keep it with
/// probability exp(-U/t); draw V geometric with P(V >= v) = exp(-v) by counting exp(-1)
/// coins; X = U + tV is then geometric with ratio exp(-1/t); Y = floor(X / s) is geometric
/// with ratio exp(-s/t); a fair sign, rejecting "negative zero", makes it two-sided.
public struct DiscreteLaplaceSampler: Sendable {
    /// The scale t/s.
    public let scale: ExactRational

    /// A sampler with the given positive scale.
    /// - Throws: `ApiaryError(.invalidArgument)` if the scale is zero.
    public init(scale: ExactRational) throws {
        guard scale.numerator > 0 else {
            throw ApiaryError(.invalidArgument, "discrete Laplace scale must be positive, got \(scale)")
        }
        self.scale = scale
    }

    /// One sample.
    public func sample(using source: some RandomSource) -> Int64 {
        DiscreteLaplaceSampler.sample(t: scale.numerator, s: scale.denominator, using: source)
    }

    /// One sample of scale t/s (CKS Algorithm 2).
    static func sample(t: UInt64, s: UInt64, using source: some RandomSource) -> Int64 {
        while true {
            let u = source.uniform(below: t)
            guard BernoulliExponential.sampleAtMostOne(u, over: t, using: source) else { continue }
            var v: UInt64 = 0
            while BernoulliExponential.sampleAtMostOne(1, over: 1, using: source) { v += 1 }
            // P(v >= n) = e^-n: overflow here would need an event of probability e^-(2^64/t).
            let (tv, overflowMultiply) = t.multipliedReportingOverflow(by: v)
            let (x, overflowAdd) = tv.addingReportingOverflow(u)
            precondition(!overflowMultiply && !overflowAdd && x / s <= UInt64(Int64.max), "discrete Laplace sample out of range")
            let y = Int64(x / s)
            let negative = source.uniform(below: 2) == 1
            if negative && y == 0 { continue }
            return negative ? -y : y
        }
    }
}
