import Shared

/// The last candidate table an agent fetched and checked, by SHA-256: the quality round needs
/// it twice (checked before the budget is charged, scored after), and a candidate is a whole
/// synthetic table, so fetching it once matters on a slow link. Synthetic rows only; no
/// private data is kept here.
final class CandidateCache: @unchecked Sendable {
    private let lock = NSLockShim()
    private var entry: (sha256: String, table: Table)?

    /// The cached table for `sha256`, or the one `fetch` returns (then cached in its place).
    func table(sha256: String, fetch: () throws -> Table) throws -> Table {
        if let cached = lock.withLock({ entry }), cached.sha256 == sha256 { return cached.table }
        let table = try fetch()
        lock.withLock { entry = (sha256, table) }
        return table
    }
}
