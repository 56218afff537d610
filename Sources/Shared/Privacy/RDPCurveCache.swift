/// A bounded, thread-safe memo of per-step RDP values keyed by mechanism parameters and grid.
///
/// Why: a per-step curve over the default grid costs about a millisecond (thousands of
/// log-space terms and erfc calls), while the queries that follow (more steps, another
/// delta, a budget check) only rescale it. The cache is cleared wholesale when full, which
/// keeps it simple and bounded; a miss just recomputes.
final class RDPCurveCache: @unchecked Sendable {
    /// Parameters that determine a per-step curve exactly.
    struct Key: Hashable {
        /// 0 = subsampled Gaussian (q, z); 1 = Skellam (mu, l1, l2 packed by the caller).
        let mechanism: Int
        let first: Double
        let second: Double
        var third: Double = 0
        let orders: [Double]
    }

    static let shared = RDPCurveCache(capacity: 512)

    private let lock = NSLockShim()
    private let capacity: Int
    private var entries: [Key: [Double]] = [:]

    init(capacity: Int) { self.capacity = capacity }

    /// The cached values for `key`, computing and storing them on a miss. The computation
    /// runs outside the lock so concurrent misses do not serialise.
    func values(for key: Key, compute: () -> [Double]) -> [Double] {
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let fresh = compute()
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = fresh
        }
        return fresh
    }

    /// Drops every entry (benchmarks use it to time cold queries).
    func removeAll() { lock.withLock { entries.removeAll() } }
}
