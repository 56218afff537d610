import Dispatch

/// Runs independent work items on several cores and collects results in order.
public enum ParallelMap {
    /// `[body(0), body(1), ..., body(count - 1)]`, computed on up to `threads` threads.
    public static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads, count))
        if workers == 1 { return (0..<count).map(body) }
        let results = ResultBox<T>(count: count)
        let next = IndexCounter()
        // Workers claim indices one at a time rather than owning a fixed stride: when the pool
        // has no free thread (other callers' work), the calling thread starts alone, and a
        // worker that arrives later still shares what is left instead of finding its whole
        // stride already claimed by the caller (which then ran half the work on one core).
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = next.take(below: count) {
                results.set(index, body(index))
            }
        }
        return results.values()
    }

    /// Like `map`, but the body may throw; the first error (by index) is rethrown.
    public static func tryMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let outcomes: [Result<T, any Error>] = map(count, threads: threads) { index in
            Result { try body(index) }
        }
        return try outcomes.map { try $0.get() }
    }
}

/// The next unclaimed index, shared by the workers of one map.
private final class IndexCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLockShim()
    func take(below count: Int) -> Int? {
        lock.withLock {
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// Fixed-size result slots written by distinct indices from several threads.
private final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLockShim()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }
    func values() -> [T] { lock.withLock { slots.map { $0! } } }
}
