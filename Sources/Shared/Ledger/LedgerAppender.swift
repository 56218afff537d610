/// The coordinator's side of the ledger: checks each new entry against the consortium rules,
/// appends it together with the coordinator's endorsement (one durable write), and accepts the
/// institutions' co-signatures after checking them. Holds the ledger in memory for proofs and
/// the `/v1/ledger/...` handlers.
public final class LedgerAppender: @unchecked Sendable {
    // Why @unchecked: every stored property is read and written under `lock`.
    private let lock = NSLockShim()
    private var storedLedger: Ledger
    private var storedState: LedgerState
    private var rosters: [EndorsementRoster]
    private let store: LedgerStore?
    private let coordinatorId: String
    private let coordinatorKey: Ed25519PrivateKey
    private let clock: @Sendable () -> UInt64
    private var poisoned: ApiaryError?

    /// Opens the appender over the records already in `store` (or `records` for an in-memory
    /// ledger when `store` is nil), re-verifying them fully first: a coordinator must never
    /// extend a ledger it could not itself verify. `clock` gives milliseconds since the epoch.
    public init(store: LedgerStore?, existingRecords records: [LedgerRecord], coordinatorId: String,
                coordinatorKey: Ed25519PrivateKey, clock: @escaping @Sendable () -> UInt64) throws {
        let replayed = LedgerVerifier.replay(records)
        if let fault = replayed.fault, !(records.isEmpty && replayed.ledger.size == 0) { throw fault.apiaryError }
        if let invalid = LedgerVerifier.firstInvalid(replayed.checks) { throw invalid.fault.apiaryError }
        self.storedLedger = replayed.ledger
        self.storedState = replayed.state
        self.rosters = replayed.rosters
        self.store = store
        self.coordinatorId = coordinatorId
        self.coordinatorKey = coordinatorKey
        self.clock = clock
    }

    /// A snapshot of the ledger.
    public var ledger: Ledger { lock.withLock { storedLedger } }

    /// A snapshot of the consortium state after the last entry.
    public var state: LedgerState { lock.withLock { storedState } }

    /// Checks `entry` against every rule, then durably appends it with the coordinator's
    /// endorsement. Returns that endorsement (the signed tree head for the new size).
    @discardableResult
    public func append(_ entry: LedgerEntry) throws -> Endorsement {
        try lock.withLock {
            if let poisoned { throw poisoned }
            let index = storedLedger.size
            let encoding = entry.encoded()
            let leafHash = MerkleTree.leafHash(encoding)
            // Signatures first: `apply` below changes the state in place (a copy per append
            // would cost O(ledger size)), so everything that can refuse the entry runs before it.
            if case .roundCommitment(let commitment) = entry {
                for contribution in commitment.contributions {
                    guard let key = storedState.key(of: contribution.partyId) else { continue }  // apply names the non-member
                    let message = ContributionRecord.signedMessage(roundId: commitment.roundId, updateHash: contribution.updateHash)
                    guard key.isValidSignature(contribution.updateSignature, for: message) else {
                        throw ApiaryError(.verificationFailed, "entry \(index): invalid update signature of '\(contribution.partyId)'")
                    }
                }
            }
            let rosterBefore = storedState.roster
            if index > 0 { try requireCoordinator(rosterBefore, index: index) }
            if case .genesis(let genesis) = entry,
               !genesis.members.contains(where: { $0.id == coordinatorId && $0.role == .coordinator && $0.ledgerKey == coordinatorKey.publicKey.rawRepresentation }) {
                throw ApiaryError(.verificationFailed, "entry 0: the genesis does not name this coordinator with its key")
            }
            let rootBefore = try storedLedger.tree.root()
            _ = try Self.rethrowingFault { try storedState.apply(entry, index: index, leafHash: leafHash, rootBefore: rootBefore) }
            // From here on a failure leaves the state ahead of the ledger: refuse all further
            // work rather than guess (an fsync failure cannot be retried safely anyway).
            do {
                let roster = index == 0 ? storedState.roster : rosterBefore
                try requireCoordinator(roster, index: index)
                storedLedger.append(entry)
                let head = try storedLedger.head(timestampMillis: clock())
                let endorsement = try Endorsement(signing: leafHash, entryIndex: UInt64(index), head: head,
                                                  signerId: coordinatorId, key: coordinatorKey)
                try Self.rethrowingFault { try storedLedger.add(endorsement) }
                try store?.append(contentsOf: [LedgerRecord(type: .entry, payload: encoding), .endorsement(endorsement)])
                rosters.append(roster)
                return endorsement
            } catch {
                poisoned = ApiaryError(.io, "the ledger appender stopped after a failed append (\(error)); restart to reload the ledger from disk")
                throw error
            }
        }
    }

    private func requireCoordinator(_ roster: EndorsementRoster, index: Int) throws {
        guard roster.coordinatorId == coordinatorId, roster.keys[coordinatorId] == coordinatorKey.publicKey else {
            throw ApiaryError(.verificationFailed, "entry \(index): this coordinator's key is not the ledger's coordinator key")
        }
    }

    /// Accepts an institution's co-signature after checking that the signer may endorse the
    /// entry and that the signature is valid; then appends it durably.
    public func addEndorsement(_ endorsement: Endorsement) throws {
        try lock.withLock {
            if let poisoned { throw poisoned }
            let check = try Self.rethrowingFault { try LedgerVerifier.endorsementCheck(endorsement, ledger: storedLedger, rosters: rosters) }
            guard check.isValid else { throw check.fault.apiaryError }
            try Self.rethrowingFault { try storedLedger.add(endorsement) }
            do {
                try store?.append(.endorsement(endorsement))
            } catch {
                poisoned = ApiaryError(.io, "the ledger appender stopped after a failed append (\(error)); restart to reload the ledger from disk")
                throw error
            }
        }
    }

    /// Whether entry `index` is final (coordinator and t institutions have endorsed it).
    public func isFinal(_ index: Int) -> Bool {
        lock.withLock {
            guard index >= 0, index < storedLedger.size else { return false }
            return rosters[index].isFinal(signers: Set(storedLedger.endorsements[index].map(\.signerId)))
        }
    }

    /// A tree head over the current ledger, signed by the coordinator now.
    public func signedHead() throws -> SignedTreeHead {
        try lock.withLock {
            try SignedTreeHead(signing: storedLedger.head(timestampMillis: clock()), signerId: coordinatorId, key: coordinatorKey)
        }
    }

    private static func rethrowingFault<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let fault as LedgerFault { throw fault.apiaryError }
    }
}
