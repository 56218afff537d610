import Dispatch
import Foundation

/// Checks signatures on all cores while its producer (a ledger replay) keeps going: checks are
/// buffered into chunks and each full chunk is verified on the global concurrent queue, so on
/// two cores the sequential replay and the verification overlap instead of running one after
/// the other. Each chunk uses one `Ed25519Verifier` (one OpenSSL context for the whole chunk).
///
/// Memory stays bounded: when more chunks are queued than the cores can take soon, the producer
/// verifies the next chunk itself instead of queueing it (it is far ahead of the workers anyway,
/// and its core is then put to the same use).
///
/// `submit` must be called from one thread (the producer); `finish` waits for every chunk.
final class SignatureBatch: @unchecked Sendable {
    // Why @unchecked: `buffer` and the counters belong to the producer thread; `firstFailure`
    // is only touched under `lock`.
    /// Signatures per chunk: large enough that dispatch overhead is negligible (a chunk is
    /// ~30 ms of work), small enough that the last chunks balance across cores.
    static let chunkSize = 512
    private let group = DispatchGroup()
    private let lock = NSLockShim()
    private var buffer: [SignatureCheck] = []
    private var firstFailure: SignatureCheck?
    /// Chunks queued or running (under `lock`), and how many may be before the producer helps.
    private var chunksInFlight = 0
    private let maximumChunksInFlight = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount) + 2
    /// Checks submitted so far.
    private(set) var count = 0

    init() { buffer.reserveCapacity(Self.chunkSize) }

    /// Queues one check.
    func submit(_ check: SignatureCheck) {
        buffer.append(check)
        count += 1
        if buffer.count >= Self.chunkSize { dispatchBuffer() }
    }

    /// Queues several checks.
    func submit<Checks: Sequence>(contentsOf checks: Checks) where Checks.Element == SignatureCheck {
        for check in checks { submit(check) }
    }

    /// Waits for every queued check and returns the failing one that comes first (lowest entry
    /// index, then description), or nil when all are valid.
    func finish() -> SignatureCheck? {
        dispatchBuffer()
        group.wait()
        return lock.withLock { firstFailure }
    }

    private func dispatchBuffer() {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer = []
        buffer.reserveCapacity(Self.chunkSize)
        let queue = lock.withLock {
            guard chunksInFlight < maximumChunksInFlight else { return false }
            chunksInFlight += 1
            return true
        }
        guard queue else {
            verify(chunk)
            return
        }
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [self] in
            verify(chunk)
            lock.withLock { chunksInFlight -= 1 }
        }
    }

    private func verify(_ chunk: [SignatureCheck]) {
        let verifier = Ed25519Verifier()
        for check in chunk where !verifier.isValid(check.signature, for: check.message, under: check.key) {
            record(check)
        }
    }

    private func record(_ failure: SignatureCheck) {
        lock.withLock {
            if let current = firstFailure, (current.entryIndex, current.what) <= (failure.entryIndex, failure.what) { return }
            firstFailure = failure
        }
    }
}
