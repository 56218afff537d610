/// A uniform real number U in [0, 1) whose binary digits are drawn only when a comparison
/// needs them, so that "U < p" is decided exactly for any p known only through bounds.
///
/// Why: an exact coin with probability p is the event U < p. When p is a product of
/// thousands of rational factors (the Poisson sampler's acceptance test at large means),
/// floating-point bounds on p decide that event from U's first 64 bits except in a sliver of
/// width about 1e-10; only there is p bounded exactly with integers, at whatever precision
/// the comparison needs. The decision is the same as comparing the infinite U with the exact p.
struct LazyUniform {
    /// U's binary expansion in 64-bit words, most significant first.
    private(set) var words: [UInt64]

    init(using source: some RandomSource) {
        words = [source.nextUInt64()]
    }

    /// For tests: a U whose expansion begins with `words`; later words come from the source.
    init(words: [UInt64]) {
        precondition(!words.isEmpty, "a lazy uniform needs its first word")
        self.words = words
    }

    /// Whether U < p, given lower <= p <= upper in floating point, or nil when the first 64
    /// bits of U fall inside the bounds and cannot decide.
    func isBelow(lower: Double, upper: Double) -> Bool? {
        // The 53-bit truncation of the first word gives exact doubles around U's 64-bit cell.
        let top = words[0] >> 11
        let cellLow = Double(top) * 0x1p-53
        let cellHigh = Double(top + 1) * 0x1p-53
        if cellHigh <= lower { return true }
        if cellLow >= upper { return false }
        return nil
    }

    /// Whether U < p for p = exp of `estimate`'s true value: decided from the estimate's bounds
    /// when U's first bits allow, else from `exactBounds` as below.
    mutating func isBelow(_ estimate: LogSumEstimate, exactBounds bounds: (Int) -> (lower: BigUInt, upper: BigUInt),
                          using source: some RandomSource) -> Bool {
        let (lower, upper) = estimate.exponentialBounds
        if let decided = isBelow(lower: lower, upper: upper) { return decided }
        return isBelow(exactBounds: bounds, using: source)
    }

    /// Whether U < p exactly. `bounds(precision)` returns integers lo <= p 2^precision <= hi;
    /// precision grows and words of U are drawn until U's cell lies on one side of [lo, hi].
    mutating func isBelow(exactBounds bounds: (Int) -> (lower: BigUInt, upper: BigUInt),
                          using source: some RandomSource) -> Bool {
        var precision = 64 * words.count + 96
        var (lower, upper) = bounds(precision)
        while true {
            let cellBits = 64 * words.count
            let common = max(cellBits, precision)
            var prefix = BigUInt(0)
            for word in words { prefix = (prefix << 64).adding(word) }
            let cellLow = prefix << (common - cellBits)
            let cellHigh = prefix.adding(1) << (common - cellBits)
            let low = lower << (common - precision)
            let high = upper << (common - precision)
            if !(low < cellHigh) { return true }
            if !(cellLow < high) { return false }
            // Undecided: refine whichever is coarser, the bounds on p or U's cell.
            let boundsWidth = high - low
            let cellWidth = BigUInt(1) << (common - cellBits)
            if cellWidth < boundsWidth {
                precision *= 2
                (lower, upper) = bounds(precision)
            } else {
                words.append(source.nextUInt64())
            }
        }
    }
}
