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
        #expect(report.endorsementCount == 21)
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

    @Test("every single flipped byte of every entry or endorsement payload is caught with its entry index")
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

    @Test("a forged signature and an endorsement by a non-member are rejected with the entry index")
    func forgedAndNonMemberSignatures() throws {
        let appender = try LedgerFixture.fullLedger()
        var records = appender.ledger.records()
        let ledger = appender.ledger
        // Endorsement of entry 3 by hospital-c's identity, but signed with an outsider's key.
        let head = try ledger.head(size: 4, timestampMillis: 1)
        let forged = try Endorsement(signing: ledger.tree.leafHash(at: 3), entryIndex: 3, head: head, signerId: "hospital-c",
                                     key: LedgerFixture.key("mallory"))
        records.append(.endorsement(forged))
        let forgedFault = try #require(Self.fault(records))
        #expect(forgedFault.entryIndex == 3 && forgedFault.reason.contains("invalid endorsement signature of 'hospital-c'"))

        records.removeLast()
        let outsider = try Endorsement(signing: ledger.tree.leafHash(at: 3), entryIndex: 3, head: head, signerId: "mallory",
                                       key: LedgerFixture.key("mallory"))
        records.append(.endorsement(outsider))
        let outsiderFault = try #require(Self.fault(records))
        #expect(outsiderFault.entryIndex == 3 && outsiderFault.reason.contains("'mallory', who may not endorse"))

        records.removeLast()
        let researcher = try Endorsement(signing: ledger.tree.leafHash(at: 3), entryIndex: 3, head: head,
                                         signerId: LedgerFixture.researcher, key: LedgerFixture.key(LedgerFixture.researcher))
        records.append(.endorsement(researcher))
        #expect(Self.fault(records)?.entryIndex == 3)
    }

    @Test("duplicated and reordered entries are detected at the right index")
    func duplicatedAndReordered() throws {
        let records = try LedgerFixture.fullLedger().ledger.records()
        let entryPositions = records.indices.filter { records[$0].type == .entry }
        // Duplicate entry 4 (the second round's settlement) right after itself, with no endorsements.
        var duplicated = records
        duplicated.insert(records[entryPositions[4]], at: entryPositions[5])
        let duplicateFault = try #require(Self.fault(duplicated))
        #expect(duplicateFault.entryIndex == 5, "\(duplicateFault)")
        // Swap entries 1 and 2 (a commitment and its settlement) along with their endorsements.
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
