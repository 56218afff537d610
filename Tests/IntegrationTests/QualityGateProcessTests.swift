import Foundation
import Testing
@testable import Shared

extension ProcessConsortium.Suites {
    /// A quality gate the candidate cannot pass, with real processes over loopback TLS: the
    /// coordinator exits with status 3, the ledger holds the verdict as a final dataset_rejection
    /// entry that t agents checked and co-signed, nothing is published, and the ledger verifies.
    @Suite("Quality gate rejection on the ledger (real processes)", .serialized)
    struct QualityGateProcessTests {
        @Test("a rejected candidate: exit status 3, a final dataset_rejection naming the candidate, in the co-signers' replicas; nothing published")
        func rejectionOnLedger() throws {
            let institutions = ["hospital-a", "hospital-b", "clinic-c"]
            let consortium = try ProcessConsortium(consortium: "gate", institutions: institutions,
                                                   coordinatorSettings: #""qualityBudgetShare": 0.1, "qualityGate": {"minimumPairTrends": 0.999}"#,
                                                   holdouts: true)
            defer { consortium.tearDown() }
            let out = consortium.out
            let coordinator = try consortium.coordinator(exitWhenFinished: true)
            for name in institutions { _ = try consortium.agent(name) }
            try consortium.waitFor("the run to end", seconds: 150) { !coordinator.isRunning }
            #expect(coordinator.terminationStatus == 3)

            let snapshot = try LedgerSnapshot.load(path: out + "/state/coordinator/ledger.apl")
            #expect(snapshot.pendingEntries.isEmpty, "the rejection is final: t institutions co-signed a head covering it")
            #expect(snapshot.state.datasets.isEmpty)
            let entries = try Ledger(records: try LedgerStore.readForVerification(path: out + "/state/coordinator/ledger.apl")).entries
            let rejections = entries.compactMap { entry -> DatasetRejectionEntry? in
                if case .datasetRejection(let body) = entry { body } else { nil }
            }
            let rejection = try #require(rejections.first)
            #expect(rejections.count == 1)
            #expect(rejection.failures.count == 1 && rejection.failures[0].hasPrefix("pair trends"), "\(rejection.failures)")
            #expect(rejection.rounds == snapshot.state.rounds.keys.sorted() && rejection.rounds.count == 4)
            // It names the candidate the operator kept.
            let candidate = try #require(try DurableFile.read(out + "/state/coordinator/synthesis/candidates/\(rejection.datasetId).csv"))
            #expect(rejection.csvHash == SHA256.hash(candidate) && rejection.csvSize == UInt64(candidate.count))
            // The t = 2 institutions whose co-signatures made it final hold the same entry in their
            // replicas (the coordinator exits once it is final, so a third may not have pulled it yet).
            let encoding = LedgerEntry.datasetRejection(rejection).encoded().hexString
            let holding = try institutions.filter { name in
                let replica = try #require(try DurableFile.read(out + "/state/\(name)/replica.json"))
                return String(decoding: replica, as: UTF8.self).contains(encoding)
            }
            #expect(holding.count >= 2, "replicas holding the rejection: \(holding)")
            let verify = try TLSFixture.run(ConsortiumProcessTests.binaries + "/apiary-agent",
                                            ["verify", "--ledger", out + "/state/coordinator/ledger.apl"], allowFailure: true)
            #expect(verify.contains("verified:"), "\(verify)")
            // The candidate is not a verifiable dataset.
            let refused = try TLSFixture.run(ConsortiumProcessTests.binaries + "/apiary-agent",
                                             ["verify", "--ledger", out + "/state/coordinator/ledger.apl",
                                              "--dataset", out + "/state/coordinator/synthesis/candidates/\(rejection.datasetId).csv"], allowFailure: true)
            #expect(refused.contains("verification failed"), "\(refused)")
        }
    }
}
