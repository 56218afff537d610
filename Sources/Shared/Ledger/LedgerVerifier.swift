import Dispatch
import Foundation

/// Checks a whole ledger: the file's checksums, every entry's encoding, the consortium rules of
/// `LedgerState` (membership, privacy budgets, rewards and their invariants), every endorsement
/// (its head must be the tree head right after its entry, its signer a member allowed to
/// endorse, its signature valid) and every update signature. Returns the report, or the first
/// failure: the one with the lowest entry index. Never changes the file.
public enum LedgerVerifier {
    /// Verifies the ledger file at `path` and, when `datasetPath` is given, the dataset file
    /// against its publication entry.
    public static func verify(path: String, datasetPath: String? = nil) -> Result<LedgerVerificationReport, LedgerFault> {
        let records: [LedgerRecord]
        do { records = try LedgerStore.readForVerification(path: path) } catch { return .failure(error) }
        var dataset: [UInt8]? = nil
        if let datasetPath {
            guard let data = FileManager.default.contents(atPath: datasetPath) else {
                return .failure(LedgerFault(entryIndex: nil, code: .io, reason: "cannot read the dataset file \(datasetPath)"))
            }
            dataset = [UInt8](data)
        }
        return verify(records: records, dataset: dataset)
    }

    /// The outcome of replaying records in order, before signatures are checked.
    struct Replay {
        var ledger = Ledger()
        var state = LedgerState()
        /// The roster that may endorse each entry.
        var rosters: [EndorsementRoster] = []
        var checks: [SignatureCheck] = []
        var endorsementCount = 0
        /// The first rule broken; replay stops there.
        var fault: LedgerFault? = nil
    }

    /// Replays `records` in order, applying every rule except signature validity, whose checks
    /// are collected so they can run in parallel.
    /// With `deferRootChecks`, endorsement roots are not compared here; the caller must run
    /// `firstWrongRoot` on the result.
    static func replay(_ records: [LedgerRecord], deferRootChecks: Bool = false) -> Replay {
        var result = Replay()
        var currentRoster: EndorsementRoster? = nil
        replay: for record in records {
            do {
                switch record.type {
                case .entry:
                    let index = result.ledger.size
                    let entry: LedgerEntry
                    do { entry = try LedgerEntry(decoding: record.payload, index: index) } catch let error as ApiaryError {
                        throw LedgerFault(entryIndex: index, code: error.code,
                                          reason: String(error.reason.dropFirst("entry \(index): ".count)))
                    }
                    // Only a round commitment names the previous root; computing it for every
                    // entry would cost O(log n) hashes each for nothing.
                    var rootBefore: [UInt8] = []
                    if case .roundCommitment = entry { rootBefore = try result.ledger.tree.root() }
                    let rosterBefore = currentRoster ?? result.state.roster
                    let leafHash = result.ledger.append(entry).leafHash
                    result.checks += try result.state.apply(entry, index: index, leafHash: leafHash, rootBefore: rootBefore)
                    // The roster only changes with membership; rebuilding it per entry is waste.
                    switch entry {
                    case .genesis, .membershipChange: currentRoster = result.state.roster
                    default: break
                    }
                    result.rosters.append(index == 0 ? result.state.roster : rosterBefore)
                case .endorsement:
                    let endorsement: Endorsement
                    do { endorsement = try Endorsement(decoding: record.payload) } catch let error as ApiaryError {
                        throw LedgerFault(entryIndex: max(result.ledger.size - 1, 0), code: .invalidEncoding,
                                          reason: "an undecodable endorsement record: \(error.reason)")
                    }
                    result.checks.append(try endorsementCheck(endorsement, ledger: result.ledger, rosters: result.rosters))
                    try result.ledger.add(endorsement, checkingRoot: !deferRootChecks)
                    result.endorsementCount += 1
                }
            } catch let fault as LedgerFault {
                result.fault = fault
                break replay
            } catch {
                result.fault = LedgerFault(entryIndex: result.ledger.size, code: .verificationFailed, reason: "\(error)")
                break replay
            }
        }
        if result.ledger.size == 0 && result.fault == nil {
            result.fault = LedgerFault(entryIndex: 0, code: .verificationFailed, reason: "the ledger has no genesis entry")
        }
        return result
    }

    /// The signature check of an endorsement, after checking its signer may endorse its entry.
    static func endorsementCheck(_ endorsement: Endorsement, ledger: Ledger, rosters: [EndorsementRoster]) throws -> SignatureCheck {
        let index = Int(endorsement.entryIndex)
        guard index < rosters.count else {
            throw LedgerFault(entryIndex: ledger.size, code: .verificationFailed,
                              reason: "an endorsement of entry \(endorsement.entryIndex) comes before that entry")
        }
        guard let key = rosters[index].keys[endorsement.signerId] else {
            throw LedgerFault(entryIndex: index, code: .verificationFailed,
                              reason: "endorsed by '\(endorsement.signerId)', who may not endorse it (not the coordinator or a member institution)")
        }
        return SignatureCheck(entryIndex: index, key: key,
                              message: Endorsement.signedMessage(leafHash: try ledger.tree.leafHash(at: index), head: endorsement.head),
                              signature: endorsement.signature, what: "endorsement signature of '\(endorsement.signerId)'")
    }

    /// Verifies ledger records (as read from a file) and optionally a dataset file's bytes.
    public static func verify(records: [LedgerRecord], dataset: [UInt8]? = nil) -> Result<LedgerVerificationReport, LedgerFault> {
        let replayed = replay(records, deferRootChecks: true)
        let ledger = replayed.ledger
        let state = replayed.state
        let rosters = replayed.rosters
        let checks = replayed.checks
        let endorsementCount = replayed.endorsementCount
        let replayFault = replayed.fault
        // The failure reported is whichever of the replay's and the signatures' comes first.
        let signatureFault = earliest(firstWrongRoot(ledger), firstInvalid(checks)?.fault)
        if let fault = earliest(replayFault, signatureFault) { return .failure(fault) }

        // Finality, and the rules that depend on it.
        var pending: [Int] = []
        for index in 0..<ledger.size {
            let signers = Set(ledger.endorsements[index].map(\.signerId))
            if !rosters[index].isFinal(signers: signers) { pending.append(index) }
        }
        let pendingSet = Set(pending)
        for (roundId, settlementIndex) in state.settledRounds.sorted(by: { $0.value < $1.value }) {
            let commitmentIndex = state.rounds[roundId]!.entryIndex
            if pendingSet.contains(commitmentIndex) {
                return .failure(LedgerFault(entryIndex: settlementIndex, code: .verificationFailed,
                                            reason: "settles round \(roundId), whose commitment (entry \(commitmentIndex)) is not final"))
            }
        }

        let lastCoordinatorStamp = ledger.endorsements.last?.first { $0.signerId == rosters.last?.coordinatorId }?.head.timestampMillis ?? 0
        var report = LedgerVerificationReport(
            entryCount: ledger.size, endorsementCount: endorsementCount, signatureCount: checks.count,
            head: TreeHead(size: UInt64(ledger.size), root: (try? ledger.tree.root()) ?? [], timestampMillis: lastCoordinatorStamp),
            pendingEntries: pending, balances: state.balances, mintedCredits: state.mintedCredits,
            burnedCredits: state.burnedCredits, dataset: nil)
        if let dataset {
            switch verifyDataset(dataset, ledger: ledger, state: state, pending: pendingSet) {
            case .success(let found): report.dataset = found
            case .failure(let fault): return .failure(fault)
            }
        }
        return .success(report)
    }

    /// Checks a dataset file against its publication entry: the file's SHA-256 and size, the
    /// entry's inclusion in the tree head, its finality, and its epsilon and contributors
    /// against the rounds it derives from (re-checked here so the report stands on its own).
    static func verifyDataset(_ bytes: [UInt8], ledger: Ledger, state: LedgerState, pending: Set<Int>)
        -> Result<(entryIndex: Int, datasetId: String), LedgerFault> {
        let digest = SHA256.hash(bytes)
        guard let published = state.datasets.values.filter({ $0.publication.csvHash == digest }).min(by: { $0.entryIndex < $1.entryIndex }) else {
            return .failure(LedgerFault(entryIndex: nil, code: .verificationFailed,
                                        reason: "no dataset publication in the ledger has this file's SHA-256 \(digest.hexString)"))
        }
        let index = published.entryIndex
        let publication = published.publication
        func failure(_ reason: String) -> Result<(entryIndex: Int, datasetId: String), LedgerFault> {
            .failure(LedgerFault(entryIndex: index, code: .verificationFailed, reason: "dataset '\(publication.datasetId)': \(reason)"))
        }
        guard publication.csvSize == UInt64(bytes.count) else {
            return failure("the file has \(bytes.count) bytes, the publication says \(publication.csvSize)")
        }
        guard !pending.contains(index) else { return failure("the publication entry is not final yet") }
        do {
            let proof = try ledger.tree.inclusionProof(index: index, size: ledger.size)
            guard MerkleTree.verifyInclusion(leafHash: try ledger.tree.leafHash(at: index), index: index, size: ledger.size,
                                             proof: proof, root: try ledger.tree.root()) else {
                return failure("the inclusion proof of the publication does not verify")
            }
        } catch {
            return failure("no inclusion proof: \(error)")
        }
        var contributors = Set<String>()
        var epsilonSum: UInt64 = 0
        for roundId in publication.rounds {
            guard let round = state.rounds[roundId] else { return failure("round \(roundId) is not committed") }
            contributors.formUnion(round.contributors)
            epsilonSum = epsilonSum.addingReportingOverflow(round.epsilonMicros).partialValue
        }
        guard Set(publication.contributors) == contributors else { return failure("its contributors differ from its rounds'") }
        guard publication.epsilonMicros <= epsilonSum else { return failure("its epsilon exceeds the sum of its rounds'") }
        return .success((index, publication.datasetId))
    }

    /// The failing check with the lowest entry index, checking signatures on all cores.
    /// Why concurrentPerform: Ed25519 verification is ~90% of the cost of verifying a ledger.
    static func firstInvalid(_ checks: [SignatureCheck]) -> SignatureCheck? {
        guard !checks.isEmpty else { return nil }
        let chunks = min(checks.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 16)
        let failures = FailureCollector()
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (chunk * checks.count / chunks)..<((chunk + 1) * checks.count / chunks)
            for position in range where !checks[position].isValid { failures.add(position) }
        }
        return failures.positions.map { checks[$0] }.min { ($0.entryIndex, $0.what) < ($1.entryIndex, $1.what) }
    }

    /// The first endorsement whose head root is not the tree's root after its entry, computing
    /// the roots on all cores.
    static func firstWrongRoot(_ ledger: Ledger) -> LedgerFault? {
        let count = ledger.size
        guard count > 0 else { return nil }
        let chunks = min(count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 16)
        let failures = FailureCollector()
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (chunk * count / chunks)..<((chunk + 1) * count / chunks) {
                let endorsements = ledger.endorsements[index]
                guard !endorsements.isEmpty, let root = try? ledger.tree.root(size: index + 1) else { continue }
                if endorsements.contains(where: { $0.head.root != root }) { failures.add(index) }
            }
        }
        guard let index = failures.positions.min() else { return nil }
        let signer = ledger.endorsements[index].first { (try? ledger.tree.root(size: index + 1)) != $0.head.root }?.signerId ?? "?"
        return LedgerFault(entryIndex: index, code: .verificationFailed,
                           reason: "the endorsement by '\(signer)' signs a root that is not the tree's (entries rewritten or reordered?)")
    }

    static func earliest(_ a: LedgerFault?, _ b: LedgerFault?) -> LedgerFault? {
        guard let a else { return b }
        guard let b else { return a }
        return (b.entryIndex ?? -1) < (a.entryIndex ?? -1) ? b : a
    }

    /// Failing positions collected from concurrent workers.
    private final class FailureCollector: @unchecked Sendable {
        // Why @unchecked: `stored` is only touched under `lock`.
        private let lock = NSLockShim()
        private var stored: [Int] = []
        func add(_ position: Int) { lock.withLock { stored.append(position) } }
        var positions: [Int] { lock.withLock { stored } }
    }
}
