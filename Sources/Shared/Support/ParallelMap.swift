import Dispatch

/// Runs independent work items on several cores and collects results in order.
public enum ParallelMap {
    /// `[body(0), body(1), ..., body(count - 1)]`, computed on up to `threads` threads.
    public static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads, count))
        if workers == 1 { return (0..<count).map(body) }
        let results = ResultBox<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < count {
                results.set(index, body(index))
                index += workers
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

/// Fixed-size result slots written by distinct indices from several threads.
private final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLockShim()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }
    func values() -> [T] { lock.withLock { slots.map { $0! } } }
}
