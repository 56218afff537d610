import Foundation

/// Checks a whole ledger: the file's checksums, every entry's encoding, the consortium rules of
/// `LedgerState` (membership, privacy budgets, rewards and their invariants), every signed tree
/// head (its root must be the tree's at its size, its signer the coordinator or an institution
/// in force for the last entry it covers), every signature in the file, and finality. Returns
/// the report, or the first failure: the one with the lowest entry index. Never changes the file.
///
/// Cost: one pass over the records computing each leaf hash once and each signed root once
/// (O(log n) hashes per distinct head size); signatures, which dominate, are verified on all
/// cores while that pass runs (`SignatureBatch`).
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

    /// Replays `records` in order, applying every rule except signature validity; the
    /// signatures go to `signatures` as they are met. Returns the replay and the first rule
    /// broken (replay stops there).
    static func replay(_ records: [LedgerRecord], signatures: SignatureBatch) -> (replay: LedgerReplay, fault: LedgerFault?) {
        var replay = LedgerReplay()
        var fault: LedgerFault? = nil
        for record in records {
            do {
                switch record.type {
                case .entry:
                    let entry = try Ledger.decodeEntry(record.payload, index: replay.ledger.size)
                    signatures.submit(contentsOf: try replay.applyEntry(entry, encoding: record.payload, deferSettlementFinality: true))
                case .signedTreeHead:
                    let signed = try Ledger.decodeSignedHead(record.payload, entriesSoFar: replay.ledger.size)
                    signatures.submit(try replay.addSignedHead(signed))
                }
            } catch let error as LedgerFault {
                fault = error
                break
            } catch {
                fault = LedgerFault(entryIndex: replay.ledger.size, code: .verificationFailed, reason: "\(error)")
                break
            }
        }
        if replay.ledger.size == 0 && fault == nil {
            fault = LedgerFault(entryIndex: 0, code: .verificationFailed, reason: "the ledger has no genesis entry")
        }
        // Only settlements before a broken rule were applied, so any failure here is earlier.
        if let settlementFault = replay.checkDeferredSettlements() { fault = earliest(fault, settlementFault) }
        return (replay, fault)
    }

    /// Verifies ledger records (as read from a file) and optionally a dataset file's bytes.
    /// `datasheet`, given with `dataset`, must be the bytes whose SHA-256 the publication records,
    /// and state what the entry and the file show (`DatasheetAgreement`).
    public static func verify(records: [LedgerRecord], dataset: [UInt8]? = nil, datasheet: [UInt8]? = nil) -> Result<LedgerVerificationReport, LedgerFault> {
        let signatures = SignatureBatch()
        let (replay, replayFault) = Self.replay(records, signatures: signatures)
        // Whichever of the rules' and the signatures' failures concerns the earlier entry is
        // reported: a signature failure before the rule failure is real, any after it moot.
        if let fault = earliest(replayFault, signatures.finish()?.fault) { return .failure(fault) }

        let ledger = replay.ledger
        let latest = replay.latestCoordinatorHead
        let fullRoot = (try? ledger.tree.root()) ?? []
        var report = LedgerVerificationReport(
            entryCount: ledger.size, coordinatorHeadCount: replay.counts.coordinatorHeads,
            cosignatureCount: replay.counts.cosignatures, updateSignatureCount: replay.counts.updates,
            head: TreeHead(size: UInt64(ledger.size), root: fullRoot,
                           timestampMillis: latest?.head.size == UInt64(ledger.size) ? latest?.head.timestampMillis ?? 0 : 0),
            latestCoordinatorHead: latest, pendingEntries: replay.finality.pendingEntries, balances: replay.state.balances,
            mintedCredits: replay.state.mintedCredits, burnedCredits: replay.state.burnedCredits, dataset: nil)
        if let dataset {
            switch verifyDataset(dataset, datasheet: datasheet, replay: replay) {
            case .success(let found): report.dataset = found
            case .failure(let fault): return .failure(fault)
            }
        }
        return .success(report)
    }

    /// Checks a dataset file against its publication entry: the file's SHA-256 and size, the
    /// entry's finality, its inclusion under the coordinator's latest signed head, and its
    /// epsilon and contributors against its rounds (re-checked so the report stands on its own).
    static func verifyDataset(_ bytes: [UInt8], datasheet: [UInt8]? = nil, replay: LedgerReplay) -> Result<(entryIndex: Int, datasetId: String), LedgerFault> {
        let ledger = replay.ledger
        let state = replay.state
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
        if let datasheet {
            guard SHA256.hash(datasheet) == publication.datasheetHash else {
                return failure("the datasheet's SHA-256 \(SHA256.hash(datasheet).hexString) is not the published \(publication.datasheetHash.hexString) (an edited or another dataset's datasheet)")
            }
        }
        guard replay.finality.isFinal(index), let head = replay.latestCoordinatorHead, head.head.size > UInt64(index) else {
            return failure("the publication entry is not final yet (it needs the coordinator's and t institutions' signatures on heads covering it)")
        }
        do {
            let size = Int(head.head.size)
            let proof = try ledger.tree.inclusionProof(index: index, size: size)
            guard MerkleTree.verifyInclusion(leafHash: try ledger.tree.leafHash(at: index), index: index, size: size,
                                             proof: proof, root: head.head.root) else {
                return failure("the inclusion proof of the publication under the coordinator's head of size \(size) does not verify")
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
        if let datasheet, let disagreement = DatasheetAgreement.firstDisagreement(datasheet: datasheet, publication: publication, csv: bytes) {
            return failure(disagreement)
        }
        return .success((index, publication.datasetId))
    }

    /// The fault with the lower entry index (a file-wide fault, without one, comes first).
    static func earliest(_ a: LedgerFault?, _ b: LedgerFault?) -> LedgerFault? {
        guard let a else { return b }
        guard let b else { return a }
        return (b.entryIndex ?? -1) < (a.entryIndex ?? -1) ? b : a
    }
}

/// A verified, read-only view of a ledger file: entries, consortium state, pending entries.
public struct LedgerSnapshot: Sendable {
    public let ledger: Ledger
    public let state: LedgerState
    public let pendingEntries: [Int]

    /// Reads and fully verifies `path` (never repairs); throws the first fault.
    public static func load(path: String) throws -> LedgerSnapshot {
        let records: [LedgerRecord]
        do { records = try LedgerStore.readForVerification(path: path) } catch { throw error.apiaryError }
        let signatures = SignatureBatch()
        let (replayed, fault) = LedgerVerifier.replay(records, signatures: signatures)
        if let fault = LedgerVerifier.earliest(fault, signatures.finish()?.fault) { throw fault.apiaryError }
        return LedgerSnapshot(ledger: replayed.ledger, state: replayed.state, pendingEntries: replayed.finality.pendingEntries)
    }
}
