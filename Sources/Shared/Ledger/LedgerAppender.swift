import Foundation

/// The coordinator's side of the ledger: checks each new entry against the consortium rules,
/// appends it durably, signs tree heads, and accepts the institutions' co-signatures after
/// checking them. Holds the ledger in memory for proofs and the `/v1/ledger/...` handlers.
///
/// Heads: `append` stores the entry and the coordinator's head over the ledger after it in one
/// write + `fdatasync`; `appendDeferringHead` stores just the entry, leaving it to the next head
/// (a settlement or licence needs no co-signature, and each head stored costs every verifier
/// one signature check). `signedHead()` returns a stored head covering everything.
///
/// Group commit: appends (and co-signatures) from concurrent callers that arrive while a write
/// is in flight are written together with one `fdatasync` and, if any caller asked for one,
/// one head; every call still returns only once its records are on stable storage. Readers
/// (`ledger`, `state`, `isFinal`, ...) wait until nothing is in flight, so they never see an
/// entry that is not durable.
public final class LedgerAppender: @unchecked Sendable {
    // Why @unchecked: every stored var is read and written with `condition` locked.
    private let condition = NSCondition()
    private var replay: LedgerReplay
    private let store: LedgerStore?
    private let coordinatorId: String
    private let coordinatorKey: Ed25519PrivateKey
    private let clock: @Sendable () -> UInt64
    /// Records applied in memory, waiting for the next write.
    private var pendingRecords: [LedgerRecord] = []
    /// Whether a caller of the pending records asked for a coordinator head.
    private var headRequested = false
    /// Whether a thread is writing a batch (with `condition` unlocked).
    private var flushing = false
    /// Records queued since the appender opened, and how many of them are durable.
    private var queuedRecordCount = 0
    private var durableRecordCount = 0
    /// The coordinator's latest head whose record is durable.
    private var durableCoordinatorHead: SignedTreeHead?
    private var poisoned: ApiaryError?

    /// Opens the appender over the records already in `store` (or `records` for an in-memory
    /// ledger when `store` is nil), re-verifying them fully first: a coordinator must never
    /// extend a ledger it could not itself verify. `clock` gives milliseconds since the epoch.
    public init(store: LedgerStore?, existingRecords records: [LedgerRecord], coordinatorId: String,
                coordinatorKey: Ed25519PrivateKey, clock: @escaping @Sendable () -> UInt64) throws {
        let signatures = SignatureBatch()
        let (replayed, fault) = LedgerVerifier.replay(records, signatures: signatures)
        let invalid = signatures.finish()
        if let fault = LedgerVerifier.earliest(records.isEmpty ? nil : fault, invalid?.fault) { throw fault.apiaryError }
        self.replay = replayed
        self.durableCoordinatorHead = replayed.latestCoordinatorHead
        self.store = store
        self.coordinatorId = coordinatorId
        self.coordinatorKey = coordinatorKey
        self.clock = clock
    }

    /// A snapshot of the durable ledger.
    public var ledger: Ledger { quiescent { replay.ledger } }

    /// A snapshot of the consortium state after the last durable entry.
    public var state: LedgerState { quiescent { replay.state } }

    /// Whether entry `index` is final: the coordinator and t institutions of the roster in
    /// force for it have signed heads covering it.
    public func isFinal(_ index: Int) -> Bool { quiescent { replay.finality.isFinal(index) } }

    /// The entries not yet final.
    public var pendingEntries: [Int] { quiescent { replay.finality.pendingEntries } }

    /// Checks `entry` against every rule, then durably appends it together with the
    /// coordinator's signed head over the ledger after it (shared with concurrent appends),
    /// and returns that head. Institutions co-sign this head to make the entry final.
    @discardableResult
    public func append(_ entry: LedgerEntry) throws -> SignedTreeHead {
        let (index, head) = try enqueue(entry, requestingHead: true)
        // The batch that made the entry durable held a head over it (requested with the entry).
        guard let head, head.head.size > UInt64(index) else {
            throw ApiaryError(.conflict, "entry \(index): no durable coordinator head covers it")
        }
        return head
    }

    /// Checks `entry` against every rule and durably appends it without a head of its own;
    /// the next `append` or `signedHead()` covers it. Returns its index.
    @discardableResult
    public func appendDeferringHead(_ entry: LedgerEntry) throws -> Int {
        try enqueue(entry, requestingHead: false).index
    }

    /// The coordinator's signed head over the whole ledger: the stored one when it already
    /// covers every entry, else a new one, stored durably first (every head the coordinator
    /// shows anyone is in the file, so two different heads of one size are evidence of a fork).
    public func signedHead() throws -> SignedTreeHead {
        condition.lock()
        let size = replay.ledger.size
        guard size > 0 else {
            condition.unlock()
            throw ApiaryError(.conflict, "the ledger is empty: there is no head to sign before the genesis entry")
        }
        let covered = replay.latestCoordinatorHead.map { $0.head.size == UInt64(size) } ?? false
        if !covered { headRequested = true }
        let target = queuedRecordCount
        condition.unlock()
        let head = covered ? quiescent { durableCoordinatorHead } : try waitUntilDurable(target, flushEvenIfNothingQueued: true)
        guard let head, head.head.size >= UInt64(size) else {
            throw ApiaryError(.conflict, "no durable coordinator head covers the \(size) entries")
        }
        return head
    }

    /// Accepts an institution's co-signature on a head after checking its size, root, signer
    /// (the coordinator or an institution in force for the last entry it covers) and signature; then stores
    /// it durably. A second signature by the same signer on a head of the same size is refused.
    public func addCosignature(_ signed: SignedTreeHead) throws {
        condition.lock()
        let target: Int
        do {
            if let poisoned { throw poisoned }
            let check = try Self.rethrowingFault { try replay.checkSignedHead(signed) }
            guard check.isValid else { throw check.fault.apiaryError }
            try Self.rethrowingFault { try replay.recordSignedHead(signed, key: check.key) }
            target = enqueueRecord(.signedTreeHead(signed))
        } catch {
            condition.unlock()
            throw error
        }
        condition.unlock()
        _ = try waitUntilDurable(target)
    }

    // MARK: - Appending

    /// Checks and applies `entry` in memory, queues its record and waits until it is durable.
    /// Returns the entry's index and the coordinator's latest durable head once it is durable.
    private func enqueue(_ entry: LedgerEntry, requestingHead: Bool) throws -> (index: Int, head: SignedTreeHead?) {
        condition.lock()
        let index: Int
        let target: Int
        do {
            if let poisoned { throw poisoned }
            index = replay.ledger.size
            let encoding = entry.encoded()
            // Signatures first: `applyEntry` below changes the state in place (a copy per append
            // would cost O(ledger size)), so everything that can refuse the entry runs before it.
            if case .roundCommitment(let commitment) = entry {
                let verifier = Ed25519Verifier()
                for contribution in commitment.contributions {
                    guard let key = replay.state.key(of: contribution.partyId) else { continue }  // the rules name the non-member
                    let message = ContributionRecord.signedMessage(roundId: commitment.roundId, updateHash: contribution.updateHash)
                    guard verifier.isValid(contribution.updateSignature, for: message, under: key) else {
                        throw ApiaryError(.verificationFailed, "entry \(index): invalid update signature of '\(contribution.partyId)'")
                    }
                }
            }
            if index > 0 { try requireCoordinator(replay.state.roster, index: index) }
            if case .genesis(let genesis) = entry,
               !genesis.members.contains(where: { $0.id == coordinatorId && $0.role == .coordinator && $0.ledgerKey == coordinatorKey.publicKey.rawRepresentation }) {
                throw ApiaryError(.verificationFailed, "entry 0: the genesis does not name this coordinator with its key")
            }
            // The genesis check above and the rule "exactly one coordinator" make this
            // coordinator the ledger's, so nothing after `applyEntry` can refuse the entry.
            _ = try Self.rethrowingFault { try replay.applyEntry(entry, encoding: encoding) }
            if requestingHead { headRequested = true }
            target = enqueueRecord(LedgerRecord(type: .entry, payload: encoding))
        } catch {
            condition.unlock()
            throw error
        }
        condition.unlock()
        return (index, try waitUntilDurable(target))
    }

    /// Queues a record (with `condition` locked) and returns the durable count to wait for.
    private func enqueueRecord(_ record: LedgerRecord) -> Int {
        pendingRecords.append(record)
        queuedRecordCount += 1
        return queuedRecordCount
    }

    /// Waits until the first `target` queued records are durable, writing the pending batch
    /// itself when no other thread is (the leader of a group commit). Returns the coordinator's
    /// latest durable head at that moment, without waiting for later batches.
    private func waitUntilDurable(_ target: Int, flushEvenIfNothingQueued: Bool = false) throws -> SignedTreeHead? {
        condition.lock()
        defer { condition.unlock() }
        var mustFlush = flushEvenIfNothingQueued
        while durableRecordCount < target || mustFlush {
            if let poisoned { throw poisoned }
            if flushing {
                condition.wait()
                continue
            }
            mustFlush = false
            try writeBatch()
        }
        return durableCoordinatorHead
    }

    /// Writes everything pending (plus the coordinator's head when requested) with one write
    /// and one `fdatasync`, unlocking `condition` meanwhile so others can queue the next batch.
    private func writeBatch() throws {
        if headRequested, let latest = replay.latestCoordinatorHead?.head.size, latest == UInt64(replay.ledger.size) {
            headRequested = false  // the stored head already covers everything
        }
        var signedInBatch: SignedTreeHead? = nil
        if headRequested {
            headRequested = false
            do {
                let head = try replay.ledger.head(timestampMillis: clock())
                let signed = try SignedTreeHead(signing: head, signerId: coordinatorId, key: coordinatorKey)
                try Self.rethrowingFault { try replay.recordSignedHead(signed, key: coordinatorKey.publicKey) }
                _ = enqueueRecord(.signedTreeHead(signed))
                signedInBatch = signed
            } catch {
                poisoned = ApiaryError(.io, "the ledger appender stopped: signing a tree head failed (\(error)); restart to reload the ledger from disk")
                condition.broadcast()
                throw error
            }
        }
        guard !pendingRecords.isEmpty else { return }
        let batch = pendingRecords
        pendingRecords = []
        let batchEnd = queuedRecordCount
        flushing = true
        condition.unlock()
        var failure: Error? = nil
        do { try store?.append(contentsOf: batch) } catch { failure = error }
        condition.lock()
        flushing = false
        if let failure {
            // Memory is now ahead of the file, and an fsync failure cannot be retried safely.
            poisoned = ApiaryError(.io, "the ledger appender stopped after a failed append (\(failure)); restart to reload the ledger from disk")
            condition.broadcast()
            throw failure
        }
        durableRecordCount = batchEnd
        if let signedInBatch { durableCoordinatorHead = signedInBatch }
        condition.broadcast()
    }

    /// Runs `body` with `condition` locked once nothing is queued or being written.
    private func quiescent<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        while (flushing || !pendingRecords.isEmpty) && poisoned == nil { condition.wait() }
        return try body()
    }

    private func requireCoordinator(_ roster: EndorsementRoster, index: Int) throws {
        guard roster.coordinatorId == coordinatorId, roster.keys[coordinatorId] == coordinatorKey.publicKey else {
            throw ApiaryError(.verificationFailed, "entry \(index): this coordinator's key is not the ledger's coordinator key")
        }
    }

    private static func rethrowingFault<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let fault as LedgerFault { throw fault.apiaryError }
    }
}
