import Dispatch
import Foundation

/// A flag set from a signal handler or another thread; read by long-running loops.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLockShim()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.withLock { value } }
    public func set() { lock.withLock { value = true } }

    /// Runs `handler` (on a background queue) when SIGINT or SIGTERM arrives.
    public static func onTerminationSignals(_ handler: @escaping @Sendable (Int32) -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.resume()
            retained.withLock { retained.sources.append(source) }
        }
    }

    private final class Retained: @unchecked Sendable {
        let lock = NSLockShim()
        var sources: [any DispatchSourceSignal] = []
        func withLock<R>(_ body: () -> R) -> R { lock.withLock(body) }
    }
    private static let retained = Retained()
}
