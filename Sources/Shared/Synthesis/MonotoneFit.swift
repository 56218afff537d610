/// Weighted least-squares fits under an order constraint (pool adjacent violators).
///
/// Used for a numeric column's tail: where the noise hides every bin of a group, the fitted
/// densities may only fall away from the column's bulk, so noise on a far bin cannot pull the
/// group's rows out to the end of the range.
public enum MonotoneFit {
    /// The non-increasing sequence nearest to `values` in the sum of weights[i] (x_i - v_i)^2.
    /// Weights must be positive; an empty input gives an empty output.
    public static func nonIncreasing(_ values: [Double], weights: [Double]) -> [Double] {
        precondition(values.count == weights.count, "one weight per value")
        // Blocks of pooled values: (weighted mean, total weight, length).
        var blocks: [(mean: Double, weight: Double, count: Int)] = []
        for (value, weight) in zip(values, weights) {
            blocks.append((value, weight, 1))
            // A block above its predecessor breaks the order: pool the two, and repeat backwards.
            while blocks.count > 1, blocks[blocks.count - 1].mean > blocks[blocks.count - 2].mean {
                let last = blocks.removeLast(), previous = blocks.removeLast()
                let weight = last.weight + previous.weight
                blocks.append(((last.mean * last.weight + previous.mean * previous.weight) / weight, weight, last.count + previous.count))
            }
        }
        return blocks.flatMap { Array(repeating: $0.mean, count: $0.count) }
    }
}
