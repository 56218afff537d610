import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("Start-up check of committed rounds' update files")
struct CommittedUpdateAuditTests {
    @Test("an update a committed round lists is reported when its file is missing or its hash is not the ledger's")
    func reportsUnavailableUpdates() throws {
        let root = NSTemporaryDirectory() + "apiary-update-audit-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try RoundStore(root: root + "/rounds")
        // Round 1 commits "update:bank-a" and "update:bank-b" (LedgerServiceTests' fixture).
        let commitment = try LedgerServiceTests.commitment(after: Ledger())
        let entries: [LedgerEntry] = [.roundCommitment(commitment)]
        // The round's folder as the engine leaves it (it creates it when the round opens).
        try FileManager.default.createDirectory(atPath: (store.updatePath(round: 1, agent: "bank-a") as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try store.storeUpdate(Array("update:bank-a".utf8), round: 1, agent: "bank-a")
        let missing = CommittedUpdateAuditTests.problems(entries, store)
        #expect(missing == [.init(round: 1, agent: "bank-b", path: store.updatePath(round: 1, agent: "bank-b"), problem: "missing")])
        try store.storeUpdate(Array("update:bank-b, damaged".utf8), round: 1, agent: "bank-b")
        #expect(CommittedUpdateAuditTests.problems(entries, store).map(\.problem) == ["hash differs from the ledger's"])
        try store.storeUpdate(Array("update:bank-b".utf8), round: 1, agent: "bank-b")
        #expect(CommittedUpdateAuditTests.problems(entries, store).isEmpty)
    }

    static func problems(_ entries: [LedgerEntry], _ store: RoundStore) -> [CoordinatorServer.UnavailableUpdate] {
        CoordinatorServer.auditCommittedUpdates(entries: entries, store: store)
    }
}
