import Foundation
import Testing
@testable import Shared
import TestSupport

@Suite("Ledger verifier, rules and bad input")
struct LedgerVerifierTests {
    /// Verifies records and returns the fault (nil when they verify).
    static func fault(_ records: [LedgerRecord]) -> LedgerFault? {
        if case .failure(let fault) = LedgerVerifier.verify(records: records) { return fault }
        return nil
    }

    /// Records with the payload of record `position` replaced (and a valid file checksum, as an
    /// attacker rewriting the file would produce).
    static func replacing(_ records: [LedgerRecord], at position: Int, with payload: [UInt8]) -> [LedgerRecord] {
        var copy = records
        copy[position].payload = payload
        return copy
    }

    @Test("a full ledger verifies: every kind, balances, finality, the dataset")
    func validLedgerVerifies() throws {
        let appender = try LedgerFixture.fullLedger()
        let records = appender.ledger.records()
        let result = LedgerVerifier.verify(records: records, dataset: LedgerFixture.datasetCSV)
        let report = try result.get()
        #expect(report.entryCount == 7)
        #expect(report.pendingEntries.isEmpty)
        #expect(report.coordinatorHeadCount == 7 && report.cosignatureCount == 14 && report.updateSignatureCount == 5)
        #expect(report.signatureCount == 26)
        #expect(report.latestCoordinatorHead?.head.size == 7)
        #expect(report.burnedCredits == 150)
        #expect(report.balances.values.reduce(0, +) == report.mintedCredits - report.burnedCredits)
        #expect(report.balances[LedgerFixture.researcher] == 50)
        #expect(report.dataset?.entryIndex == 5)
        // A different file is not the published dataset.
        guard case .failure(let fault) = LedgerVerifier.verify(records: records, dataset: LedgerFixture.datasetCSV + [0x0a]) else {
            Issue.record("a modified dataset verified"); return
        }
        #expect(fault.reason.contains("no dataset publication"))
    }

    @Test("dataset rejection rules: unique id, committed rounds, a reason, the scored round's model hash; no licence, no publication after")
    func rejectionRules() throws {
        let full = try LedgerFixture.ledgerWithRejection()
        let report = try LedgerVerifier.verify(records: full.ledger.records(), dataset: LedgerFixture.datasetCSV).get()
        #expect(report.entryCount == 9 && report.pendingEntries.isEmpty && report.updateSignatureCount == 7)
        #expect(full.state.rejectedDatasets.mapValues(\.entryIndex) == ["synthetic-2025-02": 8])
        // The rejected candidate does not verify as a published dataset.
        guard case .failure(let rejected) = LedgerVerifier.verify(records: full.ledger.records(), dataset: LedgerFixture.rejectedCSV) else {
            Issue.record("a rejected candidate verified as a published dataset"); return
        }
        #expect(rejected.reason.contains("no dataset publication"))
        let csv = LedgerFixture.rejectedCSV
        func rejection(id: String = "synthetic-2025-03", hash: [UInt8]? = nil, failures: [String] = ["column shapes 0.5 below the minimum 0.9"],
                       rounds: [UInt64] = [3], generator: String = "mst") -> LedgerEntry {
            .datasetRejection(DatasetRejectionEntry(datasetId: id, csvHash: hash ?? SHA256.hash(csv), csvSize: UInt64(csv.count),
                                                    generator: generator, failures: failures, rounds: rounds))
        }
        #expect(Self.reason { try full.append(rejection(id: "synthetic-2025-02")) }.contains("already rejected by entry 8"))
        #expect(Self.reason { try full.append(rejection(id: "synthetic-2025-01")) }.contains("already published by entry 5"))
        #expect(Self.reason { try full.append(rejection(hash: SHA256.hash(csv + [0x0a]))) }.contains("model hash of its last round 3"))
        #expect(Self.reason { try full.append(rejection(rounds: [1, 2])) }.contains("model hash of its last round 2"))
        #expect(Self.reason { try full.append(rejection(failures: [])) }.contains("at least one reason"))
        #expect(Self.reason { try full.append(rejection(failures: [""])) }.contains("at least one reason"))
        #expect(Self.reason { try full.append(rejection(rounds: [3, 7])) }.contains("round 7, which has no commitment"))
        #expect(Self.reason { try full.append(rejection(generator: "")) }.contains("needs a generator"))
        #expect(Self.reason { try full.append(.datasetPublication(DatasetPublicationEntry(
            datasetId: "synthetic-2025-02", csvHash: SHA256.hash(csv), csvSize: UInt64(csv.count), datasheetHash: LedgerFixture.hash("sheet"),
            generator: "mst", epsilonMicros: 1_000_000, deltaAttos: 100, contributors: ["hospital-a", "hospital-b"], rounds: [3]))) }
                    .contains("already rejected by entry 8"))
        #expect(Self.reason { try full.append(.licenceGrant(LicenceGrantEntry(researcherId: LedgerFixture.researcher,
                                                                                datasetId: "synthetic-2025-02", creditsSpent: 150))) }
                    .contains("is not published"))
        #expect(full.ledger.size == 9, "a refused entry changes nothing")
        // Reasons are a canonical set: out of order or repeated in the encoding is refused.
        let entry = DatasetRejectionEntry(datasetId: "x", csvHash: SHA256.hash(csv), csvSize: 1, generator: "mst",
                                          failures: ["b", "a", "a"], rounds: [3])
        #expect(entry.failures == ["a", "b"])
        var swapped = LedgerEntry.datasetRejection(entry).encoded()
        let a = swapped.firstIndex(of: UInt8(ascii: "a"))!, b = swapped.firstIndex(of: UInt8(ascii: "b"))!
        swapped.swapAt(a, b)
        #expect(Self.reason { _ = try LedgerEntry(decoding: swapped, index: 9) }.contains("out of order"))
    }

    @Test("every single flipped byte of every entry or signed head payload is caught with its entry index")
    func flippedBytesDetected() throws {
        let records = try LedgerFixture.fullLedger().ledger.records()
        var entryIndex = -1
        for position in records.indices {
            if records[position].type == .entry { entryIndex += 1 }
            let payload = records[position].payload
            // Every byte of small records, a stride through large ones keeps the test fast.
            let stride = payload.count > 400 ? 7 : 1
            for offset in Swift.stride(from: 0, to: payload.count, by: stride) {
                var mutated = payload
                mutated[offset] ^= 0x20
                let fault = Self.fault(Self.replacing(records, at: position, with: mutated))
                #expect(fault != nil, "record \(position) byte \(offset) flip went unnoticed")
                if let fault, records[position].type == .entry {
                    #expect(fault.entryIndex == entryIndex, "record \(position) byte \(offset): \(fault)")
                }
            }
        }
    }

    @Test("a forged head signature, a head signed by a non-member or researcher, and a duplicate are rejected with the entry index")
    func forgedAndNonMemberSignatures() throws {
        let appender = try LedgerFixture.fullLedger()
        var records = appender.ledger.records()
        let ledger = appender.ledger
        // hospital-c's identity on the head of size 4, but signed with an outsider's key.
        let head = try ledger.head(size: 4, timestampMillis: 1)
        let forged = try SignedTreeHead(signing: head, signerId: "hospital-c", key: LedgerFixture.key("mallory"))
        records.append(.signedTreeHead(forged))
        let forgedFault = try #require(Self.fault(records))
        #expect(forgedFault.entryIndex == 3 && forgedFault.reason.contains("invalid signature of 'hospital-c' on the tree head of size 4"),
                "\(forgedFault)")

        records.removeLast()
        let outsider = try SignedTreeHead(signing: head, signerId: "mallory", key: LedgerFixture.key("mallory"))
        records.append(.signedTreeHead(outsider))
        let outsiderFault = try #require(Self.fault(records))
        #expect(outsiderFault.entryIndex == 3 && outsiderFault.reason.contains("'mallory', who may not sign"), "\(outsiderFault)")

        records.removeLast()
        let researcher = try SignedTreeHead(signing: head, signerId: LedgerFixture.researcher, key: LedgerFixture.key(LedgerFixture.researcher))
        records.append(.signedTreeHead(researcher))
        let researcherFault = try #require(Self.fault(records))
        #expect(researcherFault.entryIndex == 3 && researcherFault.reason.contains("who may not sign"), "\(researcherFault)")

        // The coordinator's head of size 1 stored twice.
        records.removeLast()
        let coordinatorRecord = records.firstIndex { $0.type == .signedTreeHead }!
        records.append(records[coordinatorRecord])
        let duplicateFault = try #require(Self.fault(records))
        #expect(duplicateFault.entryIndex == 0 && duplicateFault.reason.contains("a second signature by 'coordinator'"), "\(duplicateFault)")
    }

    @Test("a head whose root is not the tree's at its size fails, even when validly signed")
    func wrongRootRejected() throws {
        let appender = try LedgerFixture.fullLedger()
        var records = appender.ledger.records()
        var head = try appender.ledger.head(size: 4, timestampMillis: 1)
        head.root[5] ^= 0x01
        let lying = try SignedTreeHead(signing: head, signerId: "hospital-c", key: LedgerFixture.key("hospital-c"))
        records.append(.signedTreeHead(lying))
        let fault = try #require(Self.fault(records))
        #expect(fault.entryIndex == 3 && fault.reason.contains("has a root"), "\(fault)")
        // The coordinator refuses it too, and a head larger than the ledger.
        #expect(Self.reason { try appender.addCosignature(lying) }.contains("has a root"))
        let tooLarge = try SignedTreeHead(signing: TreeHead(size: 8, root: head.root, timestampMillis: 1), signerId: "hospital-c",
                                          key: LedgerFixture.key("hospital-c"))
        #expect(Self.reason { try appender.addCosignature(tooLarge) }.contains("comes before entry 7"))
        // A head placed in the file before the entries it covers.
        var early = appender.ledger.records()
        let correct = try SignedTreeHead(signing: appender.ledger.head(size: 7, timestampMillis: 1), signerId: "hospital-c",
                                         key: LedgerFixture.key("hospital-c"))
        early.insert(.signedTreeHead(correct), at: 1)
        let earlyFault = try #require(Self.fault(early))
        #expect(earlyFault.entryIndex == 1 && earlyFault.reason.contains("comes before entry 6"), "\(earlyFault)")
        // When several entries separate the head from the last correct one, the failure is
        // reported at the first of them, since any may be the rewritten one.
        let sparse = try Self.deferredLedger()
        var sparseRecords = sparse.ledger.records()
        var sparseHead = try sparse.ledger.head(size: 5, timestampMillis: 1)
        sparseHead.root[0] ^= 0x80
        sparseRecords.append(.signedTreeHead(try SignedTreeHead(signing: sparseHead, signerId: "hospital-c", key: LedgerFixture.key("hospital-c"))))
        let sparseFault = try #require(Self.fault(sparseRecords))
        #expect(sparseFault.entryIndex == 2 && sparseFault.reason.contains("entries 2...4"), "\(sparseFault)")
    }

    /// Genesis and round 1 (co-signed, final), its settlement and round 2's commitment without
    /// heads of their own, then round 2's head: the coordinator's heads have sizes 1, 2 and 5.
    static func deferredLedger() throws -> LedgerAppender {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        let first = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions, after: appender.ledger, state: appender.state)
        try LedgerFixture.appendEndorsed(.roundCommitment(first), to: appender)
        #expect(try appender.appendDeferringHead(.rewardSettlement(RewardSettlementEntry(
            roundId: 1, credits: first.rewards, totalCredits: first.rewards.reduce(0) { $0 + $1.credits }))) == 2)
        let second = try LedgerFixture.commitment(roundId: 2, contributors: ["hospital-a", "hospital-b"], after: appender.ledger, state: appender.state)
        try appender.appendDeferringHead(.roundCommitment(second))
        let third = try LedgerFixture.commitment(roundId: 3, contributors: ["hospital-b", "hospital-c"], after: appender.ledger, state: appender.state)
        #expect(try appender.append(.roundCommitment(third)).head.size == 5)
        return appender
    }

    @Test("finality: a later head covers earlier entries; t institutions needed, on any heads; pending entries listed")
    func finalityViaLaterHeads() throws {
        let appender = try Self.deferredLedger()
        #expect(appender.pendingEntries == [2, 3, 4], "entries after the last co-signed head wait")
        // One institution is not enough (t = 2).
        let head = try appender.signedHead()
        #expect(head.head.size == 5, "the stored head already covers everything; no new one is signed")
        try appender.addCosignature(LedgerFixture.cosignature(of: head, by: "hospital-c"))
        #expect(appender.pendingEntries == [2, 3, 4])
        #expect(try LedgerVerifier.verify(records: appender.ledger.records()).get().pendingEntries == [2, 3, 4])
        // A second institution on the same head makes every entry below it final, including
        // the settlement and the commitment that never had a head of their own.
        try appender.addCosignature(LedgerFixture.cosignature(of: head, by: "hospital-a"))
        #expect(appender.pendingEntries.isEmpty && appender.isFinal(3))
        let report = try LedgerVerifier.verify(records: appender.ledger.records()).get()
        #expect(report.pendingEntries.isEmpty && report.coordinatorHeadCount == 3 && report.cosignatureCount == 6)

        // Co-signatures on different heads combine: hospital-a signs size 6, hospital-b size 7;
        // entry 5 has both (6 > 5 and 7 > 5), entry 6 only hospital-b's.
        let state = appender.state
        let settle2 = try appender.append(.rewardSettlement(RewardSettlementEntry(
            roundId: 2, credits: state.rounds[2]!.rewards, totalCredits: state.rounds[2]!.rewards.reduce(0) { $0 + $1.credits })))
        let settle3 = try appender.append(.rewardSettlement(RewardSettlementEntry(
            roundId: 3, credits: state.rounds[3]!.rewards, totalCredits: state.rounds[3]!.rewards.reduce(0) { $0 + $1.credits })))
        try appender.addCosignature(LedgerFixture.cosignature(of: settle2, by: "hospital-a"))
        try appender.addCosignature(LedgerFixture.cosignature(of: settle3, by: "hospital-b"))
        #expect(appender.pendingEntries == [6])
        #expect(try LedgerVerifier.verify(records: appender.ledger.records()).get().pendingEntries == [6])
    }

    @Test("a settlement is refused, and fails verification, while its commitment is not final")
    func settlementNeedsFinalCommitment() throws {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        let commitment = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions, after: appender.ledger, state: appender.state)
        let head = try LedgerFixture.appendEndorsed(.roundCommitment(commitment), to: appender, endorsers: ["hospital-a"])
        let settlement = LedgerEntry.rewardSettlement(RewardSettlementEntry(
            roundId: 1, credits: commitment.rewards, totalCredits: commitment.rewards.reduce(0) { $0 + $1.credits }))
        #expect(Self.reason { try appender.append(settlement) }.contains("was not final yet"))
        #expect(appender.ledger.size == 2, "a refused entry changes nothing")
        try appender.addCosignature(LedgerFixture.cosignature(of: head, by: "hospital-b"))
        try appender.append(settlement)
        // The order of records in the file does not matter, sizes do: the same co-signature
        // moved to the end of the file still precedes the settlement by size...
        var records = appender.ledger.records()
        let isLateCosignature: (LedgerRecord) -> Bool = {
            $0.type == .signedTreeHead && (try? SignedTreeHead(decoding: $0.payload)).map { $0.signerId == "hospital-b" && $0.head.size == 2 } == true
        }
        let position = try #require(records.firstIndex(where: isLateCosignature))
        records.append(records.remove(at: position))
        #expect(Self.fault(records) == nil)
        // ...but a commitment made final only by heads that also cover the settlement was not
        // final when the settlement was appended.
        records.removeLast()
        let settlementHead = try #require(appender.ledger.latestHead(signedBy: LedgerFixture.coordinator))
        records.append(.signedTreeHead(try LedgerFixture.cosignature(of: settlementHead, by: "hospital-b")))
        records.append(.signedTreeHead(try LedgerFixture.cosignature(of: settlementHead, by: "hospital-a")))
        let fault = try #require(Self.fault(records))
        #expect(fault.entryIndex == 2 && fault.reason.contains("commitment (entry 1) was not final"), "\(fault)")
    }

    @Test("a forged update signature is caught even when every head covering it is validly signed")
    func forgedUpdateUnderValidHeads() throws {
        // A coordinator and two institutions colluding: they replace hospital-c's update
        // signature in round 1 and sign heads over the rewritten history.
        let honest = try LedgerFixture.fullLedger().ledger
        var ledger = Ledger()
        var records: [LedgerRecord] = []
        for (index, entry) in honest.entries.enumerated() {
            var entry = entry
            if index == 1, case .roundCommitment(var commitment) = entry {
                commitment.contributions[2].updateSignature = try LedgerFixture.key("mallory").signature(for: [1, 2, 3])
                entry = .roundCommitment(commitment)
            }
            ledger.append(entry)
            records.append(.entry(entry))
            let head = try ledger.head(timestampMillis: LedgerFixture.timestamp)
            for signer in [LedgerFixture.coordinator, "hospital-a", "hospital-b"] {
                records.append(.signedTreeHead(try SignedTreeHead(signing: head, signerId: signer, key: LedgerFixture.key(signer))))
            }
        }
        let fault = try #require(Self.fault(records))
        #expect(fault.entryIndex == 1 && fault.reason.contains("invalid update signature of 'hospital-c'"), "\(fault)")
    }

    @Test("membership changes: a removed institution may not sign later heads; finality follows the roster in force")
    func membershipChangesRoster() throws {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        let genesis = LedgerFixture.genesis
        let change = LedgerEntry.membershipChange(MembershipChangeEntry(
            added: [], addedCaps: [], removed: ["hospital-c"], threshold: 2, committee: ["hospital-a", "hospital-b"],
            paillierPublicKeyHash: genesis.paillierPublicKeyHash, verificationKeysHash: genesis.verificationKeysHash, reason: "left"))
        // hospital-c may still co-sign the head covering its own removal (entry 1)...
        try LedgerFixture.appendEndorsed(change, to: appender, endorsers: ["hospital-a", "hospital-c"])
        #expect(appender.pendingEntries.isEmpty)
        // ...but not a head covering entries appended after it left.
        let commitment = try LedgerFixture.commitment(roundId: 1, contributors: ["hospital-a", "hospital-b"], after: appender.ledger, state: appender.state)
        let head = try appender.append(.roundCommitment(commitment))
        #expect(Self.reason { try appender.addCosignature(LedgerFixture.cosignature(of: head, by: "hospital-c")) }.contains("may not sign"))
        try appender.addCosignature(LedgerFixture.cosignature(of: head, by: "hospital-a"))
        #expect(appender.pendingEntries == [2], "hospital-c's earlier heads do not count after it left")
        var records = appender.ledger.records()
        records.append(.signedTreeHead(try LedgerFixture.cosignature(of: head, by: "hospital-c")))
        let fault = try #require(Self.fault(records))
        #expect(fault.entryIndex == 2 && fault.reason.contains("'hospital-c', who may not sign"), "\(fault)")
    }

    @Test("the signature batch finds the earliest invalid signature among thousands, wherever its chunk ran")
    func signatureBatchFindsEarliest() throws {
        let key = LedgerFixture.key("hospital-a")
        let message = Array("head".utf8)
        let valid = try key.signature(for: message)
        var forged = valid
        forged[10] ^= 0x04
        // More chunks than may be in flight, so the producer verifies some itself.
        let count = SignatureBatch.chunkSize * 12 + 7
        let badPositions = [count - 3, 4_000, 700]
        let batch = SignatureBatch()
        for position in 0..<count {
            batch.submit(SignatureCheck(entryIndex: position / 3, kind: .update, signerId: "hospital-a", key: key.publicKey,
                                        message: message, signature: badPositions.contains(position) ? forged : valid))
        }
        let failure = try #require(batch.finish())
        #expect(failure.entryIndex == 700 / 3 && failure.signature == forged)
        let clean = SignatureBatch()
        clean.submit(contentsOf: (0..<1_500).map { SignatureCheck(entryIndex: $0, kind: .update, signerId: "hospital-a", key: key.publicKey,
                                                                    message: message, signature: valid) })
        #expect(clean.finish() == nil && clean.count == 1_500)
    }

    @Test("the reusable Ed25519 verifier never checks under the previous signer's key")
    func verifierContextReuse() throws {
        let message = Array("apiary".utf8)
        let a = LedgerFixture.key("hospital-a")
        let b = LedgerFixture.key("hospital-b")
        let signatureA = try a.signature(for: message)
        let verifier = Ed25519Verifier()
        #expect(verifier.isValid(signatureA, for: message, under: a.publicKey))
        #expect(!verifier.isValid(signatureA, for: message, under: b.publicKey))
        #expect(verifier.isValid(signatureA, for: message, under: a.publicKey))
        #expect(!verifier.isValid(signatureA, for: message + [0], under: a.publicKey))
        #expect(!verifier.isValid(Array(signatureA.prefix(63)), for: message, under: a.publicKey))
    }

    @Test("duplicated and reordered entries are detected at the right index")
    func duplicatedAndReordered() throws {
        let records = try LedgerFixture.fullLedger().ledger.records()
        let entryPositions = records.indices.filter { records[$0].type == .entry }
        // Duplicate entry 4 (the second round's settlement) right after itself, with no signed heads.
        var duplicated = records
        duplicated.insert(records[entryPositions[4]], at: entryPositions[5])
        let duplicateFault = try #require(Self.fault(duplicated))
        #expect(duplicateFault.entryIndex == 5, "\(duplicateFault)")
        // Swap entries 1 and 2 (a commitment and its settlement) along with their signed heads.
        var reordered = Array(records[..<entryPositions[1]])
        reordered += records[entryPositions[2]..<entryPositions[3]]
        reordered += records[entryPositions[1]..<entryPositions[2]]
        reordered += records[entryPositions[3]...]
        let reorderFault = try #require(Self.fault(reordered))
        #expect(reorderFault.entryIndex == 1, "\(reorderFault)")
    }

    @Test("an unknown entry kind or version is an error naming the entry")
    func unknownKindOrVersion() throws {
        let records = try LedgerFixture.fullLedger().ledger.records()
        let position = records.indices.filter { records[$0].type == .entry }[3]
        var kind = records[position].payload
        kind[0] = 99
        let kindFault = try #require(Self.fault(Self.replacing(records, at: position, with: kind)))
        #expect(kindFault.entryIndex == 3 && kindFault.reason.contains("unknown entry kind 99"), "\(kindFault)")
        var version = records[position].payload
        version[1] = 2
        let versionFault = try #require(Self.fault(Self.replacing(records, at: position, with: version)))
        #expect(versionFault.entryIndex == 3 && versionFault.reason.contains("version 2"), "\(versionFault)")
        #expect(throws: ApiaryError.self) { try LedgerEntry(decoding: kind, index: 3) }
    }

    @Test("rules: no reward without contribution, no negative balance, budget caps, minimum contributors")
    func rulesEnforced() throws {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        var commitment = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions,
                                                      after: appender.ledger, state: appender.state)
        var extraReward = commitment
        extraReward.rewards.append(RewardLine(partyId: "researcher-r", credits: 5))
        #expect(Self.reason { try appender.append(.roundCommitment(extraReward)) }.contains("not a listed contributor"))
        var inflated = commitment
        inflated.rewards[0].credits += 1
        #expect(Self.reason { try appender.append(.roundCommitment(inflated)) }.contains("reward formula"))
        var overBudget = commitment
        overBudget.contributions[0].cumulativeEpsilonMicros += 1
        #expect(Self.reason { try appender.append(.roundCommitment(overBudget)) }.contains("cumulative epsilon"))
        let tooFew = try LedgerFixture.commitment(roundId: 1, contributors: ["hospital-a"], after: appender.ledger, state: appender.state)
        #expect(Self.reason { try appender.append(.roundCommitment(tooFew)) }.contains("minimum"))
        var badSignature = commitment
        badSignature.contributions[1].updateSignature[0] ^= 1
        #expect(Self.reason { try appender.append(.roundCommitment(badSignature)) }.contains("update signature of 'hospital-b'"))
        commitment.roundEpsilonMicros = 3_000_000
        #expect(Self.reason { try appender.append(.roundCommitment(commitment)) }.contains("per-round limit"))
        // A licence without enough credits: the researcher had 200 and spent 150, so a second
        // purchase must fail (no negative balance).
        let full = try LedgerFixture.fullLedger()
        #expect(Self.reason { try full.append(.licenceGrant(LicenceGrantEntry(researcherId: LedgerFixture.researcher,
                                                                                datasetId: "synthetic-2025-01", creditsSpent: 160))) }
                    .contains("no negative balances"))
        #expect(Self.reason { try full.append(.rewardSettlement(RewardSettlementEntry(roundId: 1, credits: [], totalCredits: 0))) }
                    .contains("already settled"))
        #expect(appender.ledger.size == 1 && full.ledger.size == 7)
    }

    @Test("the reward formula in integers")
    func rewardFormula() {
        let policy = LedgerFixture.rewardPolicy
        // base = 100 + floor(2017 * 50 / 1000) = 200; factor = 500000 + 500000 * 0.8 = 900000 ppm.
        #expect(policy.reward(noisedRecordCount: 2_017, qualityPPM: 800_000) == 180)
        #expect(policy.reward(noisedRecordCount: -40, qualityPPM: 0) == 50)
        #expect(policy.reward(noisedRecordCount: 0, qualityPPM: 1_000_001) == nil)
        #expect(RewardPolicy(participationCredits: .max, creditsPerThousandRecords: 1, qualityFloorPPM: 0, licencePriceCredits: 0)
                    .reward(noisedRecordCount: 1_000, qualityPPM: 0) == nil)
    }

    static func reason(_ body: () throws -> Void) -> String {
        do { try body() } catch let error as ApiaryError { return error.reason } catch { return "\(error)" }
        return "no error"
    }
}
