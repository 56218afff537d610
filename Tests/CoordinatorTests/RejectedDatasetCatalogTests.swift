import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("Rejected candidates in the catalog and on the dashboard")
struct RejectedDatasetCatalogTests {
    @Test("the listing names the rejection, its id answers 404 with the entry and reasons, no file is served")
    func rejectionIsListedNotServed() throws {
        let directory = NSTemporaryDirectory() + "apiary-rejected-catalog-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/datasets/candidate-1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let service = try LedgerService(path: directory + "/ledger.apl", description: try LedgerServiceTests.genesis(), coordinatorId: "coordinator",
                                        key: try LedgerServiceTests.key("coordinator"), maximumFinalityDelay: 60)
        let commitment = try LedgerServiceTests.commitment(after: service.appender.ledger)
        try service.appender.appendDeferringHead(.roundCommitment(commitment))
        // A candidate file left in the dataset folder must still not be served.
        let candidate = Array("age\n52\n".utf8)
        try DurableFile.write(candidate, to: directory + "/datasets/candidate-1/synthetic.csv")
        let index = try service.reject(datasetId: "candidate-1", csvHash: commitment.modelHashOut, csvSize: UInt64(candidate.count), generator: "mst",
                                       failures: ["column shapes 0.612 below 0.800"], rounds: [1])

        let catalog = DatasetCatalog(root: directory + "/datasets", ledger: service)
        let researcher = PeerIdentity(name: "reader", role: .researcher, consortium: "test", fingerprint: "")
        func get(_ path: String) -> HTTPResponse {
            let request = HTTPRequest(method: "GET", target: path)
            return catalog.handle(Route(request), request: request, peer: researcher)
        }
        let listing = get("/v1/datasets")
        #expect(listing.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(listing.body)) as? [String: Any])
        #expect((object["datasets"] as? [Any])?.isEmpty == true)
        let rejected = try #require((object["rejected"] as? [[String: Any]])?.first)
        #expect(rejected["id"] as? String == "candidate-1")
        #expect(rejected["ledgerEntry"] as? Int == index)
        #expect(rejected["failures"] as? [String] == ["column shapes 0.612 below 0.800"])
        #expect(rejected["csvSHA256"] as? String == commitment.modelHashOut.hexString)
        #expect(rejected["rounds"] as? [Int] == [1])
        #expect(rejected["links"] == nil)

        for path in ["/v1/datasets/candidate-1", "/v1/datasets/candidate-1/synthetic.csv", "/v1/datasets/candidate-1/datasheet.json"] {
            let response = get(path)
            #expect(response.status == 404, "\(path)")
            let message = String(decoding: response.body, as: UTF8.self)
            #expect(message.contains("rejected") && message.contains("ledger entry \(index)") && message.contains("column shapes 0.612"), "\(path): \(message)")
            #expect(!message.contains("52"), "\(path) must not carry the candidate's rows")
        }
        #expect(get("/v1/datasets/other").status == 404)

        let page = try DashboardPage.collect(consortium: "test", store: try RoundStore(root: directory + "/rounds"), ledger: service.appender.ledger,
                                             state: service.appender.state, pending: service.appender.pendingEntries, lastSeen: [:]).html()
        #expect(page.contains("Rejected by the quality gate"))
        #expect(page.contains("candidate-1") && page.contains("column shapes 0.612 below 0.800"))
        #expect(page.contains("none published yet"))
    }
}
