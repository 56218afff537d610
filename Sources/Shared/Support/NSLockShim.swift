import Foundation

/// A mutex with a closure API (Foundation's `NSLock`), usable from `Sendable` classes.
public final class NSLockShim: @unchecked Sendable {
    private let lock = NSLock()
    public init() {}

    @inlinable public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lockIt()
        defer { unlockIt() }
        return try body()
    }

    @usableFromInline func lockIt() { lock.lock() }
    @usableFromInline func unlockIt() { lock.unlock() }
}
