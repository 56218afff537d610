import Foundation
import Testing
@testable import CoordinatorKit
import Shared

/// A CA-signed certificate is not enough: the router admits only this consortium's
/// certificates and, for agents and researchers, current members of the ledger with that role.
/// Malformed protocol bodies are refused and change nothing.
@Suite("Coordinator router: who is admitted, and strict request bodies")
struct RouterAdmissionTests {
    func peer(_ name: String, _ role: PeerIdentity.Role, consortium: String = "test") -> PeerIdentity {
        PeerIdentity(name: name, role: role, consortium: consortium, fingerprint: String(repeating: "0", count: 64))
    }

    @Test("non-members, other consortia and wrong member roles get 403; members and /healthz are served")
    func admission() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        try FileManager.default.createDirectory(atPath: fixture.directory, withIntermediateDirectories: true)
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        // The genesis has institutions bank-a and bank-b and researcher reader.
        let ledger = try LedgerService(path: fixture.directory + "/ledger.apl", description: try LedgerServiceTests.genesis(),
                                       coordinatorId: "coordinator", key: try LedgerServiceTests.key("coordinator"))
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil), ledger: ledger)
        func send(_ peer: PeerIdentity, _ method: String, _ target: String) throws -> HTTPResponse {
            try InMemoryTransport(handler: router, peer: peer).send(HTTPRequest(method: method, target: target))
        }

        #expect(try send(peer("bank-a", .agent), "GET", "/v1/tasks/next?wait=0").status == 200)
        for wait in ["0x10", "-1", "nan", "inf", "1e400", "soon"] {
            #expect(try send(peer("bank-a", .agent), "GET", "/v1/tasks/next?wait=\(wait)").status == 400, "wait=\(wait)")
        }
        let stranger = try send(peer("mallory", .agent), "GET", "/v1/tasks/next?wait=0")
        #expect(stranger.status == 403 && stranger.bodyText.contains("'mallory' is not a current institution member"))
        let foreign = try send(peer("bank-a", .agent, consortium: "Other Consortium"), "GET", "/v1/tasks/next?wait=0")
        #expect(foreign.status == 403 && foreign.bodyText.contains("consortium 'Other Consortium'"))
        // A researcher's name in an agent certificate, and the reverse, are refused too.
        #expect(try send(peer("reader", .agent), "GET", "/v1/rounds/current").status == 403)
        #expect(try send(peer("bank-a", .researcher), "GET", "/v1/rounds/current").status == 403)
        #expect(try send(peer("reader", .researcher), "GET", "/v1/rounds/current").status == 200)
        #expect(try send(peer("lurker", .researcher), "GET", "/metrics").status == 403)
        #expect(try send(peer("lurker", .researcher), "GET", "/dashboard").status == 403)
        // A coordinator certificate must name the ledger's coordinator.
        #expect(try send(peer("evil", .coordinator), "GET", "/v1/ledger/head").status == 403)
        #expect(try send(peer("coordinator", .coordinator), "GET", "/v1/ledger/head").status == 200)
        // The server asks the same rule before reading a body.
        #expect(router.admissionRefusal(of: peer("mallory", .agent), for: HTTPRequest(method: "POST", target: "/v1/rounds/1/updates"))?.status == 403)
        #expect(router.admissionRefusal(of: peer("mallory", .agent), for: HTTPRequest(method: "GET", target: "/healthz")) == nil)
        // Liveness stays open to any certificate the CA signed.
        #expect(try send(peer("mallory", .agent, consortium: "Other"), "GET", "/healthz").status == 200)
        // The refused stranger left no trace in the round.
        let round = try ProtocolJSON.decode(RoundState.self, from: try send(peer("reader", .researcher), "GET", "/v1/rounds/current").body, what: "round")
        #expect(round.refusals["mallory"] == nil)
    }

    @Test("a decline with a malformed body, an unknown field or a non-canonical round id is refused with 400 and records nothing; an empty body is a decline without reason")
    func strictDecline() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil))
        let agent = InMemoryTransport(handler: router, peer: peer("bank-a", .agent))
        for body in ["{\"reason\": [not json", "{\"reason\": \"a\", \"reason\": \"b\"}", "{\"reason\": 5}", "[]", "{\"reason\": \"a\", \"extra\": 1}"] {
            let response = try agent.send(HTTPRequest(method: "POST", target: "/v1/rounds/1/decline", body: Array(body.utf8)))
            #expect(response.status == 400, "body \(body): \(response.status) \(response.bodyText)")
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(try agent.send(HTTPRequest(method: "POST", target: "/v1/rounds/1/decline", body: Array(deep.utf8))).status == 400)
        // One round, one address: no leading zero or sign.
        for target in ["/v1/rounds/01/decline", "/v1/rounds/+1/decline"] {
            #expect(try agent.send(HTTPRequest(method: "POST", target: target, body: Array("{\"reason\": \"x\"}".utf8))).status == 400, "\(target)")
        }
        #expect(engine.currentRound?.refusals.isEmpty == true)
        // A query parameter given twice is refused, not resolved silently.
        let twice = try agent.send(HTTPRequest(method: "GET", target: "/v1/tasks/next?wait=0&wait=1"))
        #expect(twice.status == 400 && twice.bodyText.contains("'wait' is given more than once"), "\(twice.status) \(twice.bodyText)")

        #expect(try agent.send(HTTPRequest(method: "POST", target: "/v1/rounds/1/decline")).status == 200)
        #expect(engine.currentRound?.refusals["bank-a"] == "no reason given")
    }
}
