/// Per-example L2 clipping: the contribution bound of DP-SGD and DP-FedAvg.
///
/// Each example's gradient g is scaled to g * min(1, C / ||g||_2), so adding or removing one
/// record changes the sum of clipped gradients by at most C in L2 norm: the sensitivity the
/// Gaussian or Skellam noise is calibrated to. Clipping happens before any summation.
public enum L2Clipping {
    /// The Euclidean norm, scaled to avoid overflow for very large components.
    public static func norm(_ vector: [Double]) -> Double {
        var scale = 0.0
        for component in vector { scale = max(scale, abs(component)) }
        guard scale > 0, scale.isFinite else { return scale }
        var sum = 0.0
        for component in vector {
            let scaled = component / scale
            sum += scaled * scaled
        }
        return scale * sum.squareRoot()
    }

    /// `gradient` scaled down to L2 norm at most `clipNorm` (returned unchanged if already within).
    /// - Throws: `ApiaryError(.invalidArgument)` if `clipNorm` is not positive and finite or
    ///   the gradient holds a NaN or infinite component (its norm would be meaningless).
    public static func clip(_ gradient: [Double], to clipNorm: Double) throws -> [Double] {
        try PrivacyParameterCheck.positive(clipNorm, "clip norm")
        let length = norm(gradient)
        guard length.isFinite, !gradient.contains(where: { $0.isNaN }) else {
            throw ApiaryError(.invalidArgument, "gradient contains a NaN or infinite component; it cannot be clipped")
        }
        guard length > clipNorm else { return gradient }
        let factor = clipNorm / length
        // Rounding can leave the product a hair above the bound; scale once more if so.
        var clipped = gradient.map { $0 * factor }
        let after = norm(clipped)
        if after > clipNorm { clipped = clipped.map { $0 * (clipNorm / after) * (1 - 1e-15) } }
        return clipped
    }

    /// The sum of the per-example clipped gradients (all of one dimension), and how many
    /// examples were within the bound before clipping (the signal adaptive clipping uses).
    /// - Throws: `ApiaryError(.invalidArgument)` for a bad clip norm, a non-finite component,
    ///   or gradients of different dimensions.
    public static func clippedSum(_ gradients: [[Double]], clipNorm: Double) throws -> (sum: [Double], unclippedCount: Int) {
        try PrivacyParameterCheck.positive(clipNorm, "clip norm")
        guard let dimension = gradients.first?.count else { return ([], 0) }
        var sum = [Double](repeating: 0, count: dimension)
        var unclipped = 0
        for (index, gradient) in gradients.enumerated() {
            guard gradient.count == dimension else {
                throw ApiaryError(.invalidArgument, "gradient \(index) has dimension \(gradient.count), expected \(dimension)")
            }
            if norm(gradient) <= clipNorm { unclipped += 1 }
            let clipped = try clip(gradient, to: clipNorm)
            for coordinate in 0..<dimension { sum[coordinate] += clipped[coordinate] }
        }
        return (sum, unclipped)
    }
}
