import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("Coordinator HTTP routes over the in-memory transport")
struct CoordinatorRouterTests {
    func peer(_ name: String, _ role: PeerIdentity.Role) -> PeerIdentity {
        PeerIdentity(name: name, role: role, consortium: "test", fingerprint: String(repeating: "0", count: 64))
    }

    @Test("agents poll and submit; roles are enforced from the certificate; metrics count what happened")
    func routes() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil))
        let agent = InMemoryTransport(handler: router, peer: peer("bank-a", .agent))
        let researcher = InMemoryTransport(handler: router, peer: peer("reader", .researcher))

        let polled = try agent.send(HTTPRequest(method: "GET", target: "/v1/tasks/next?wait=0"))
        #expect(polled.status == 200)
        let envelope = try ProtocolJSON.decode(TaskEnvelope.self, from: polled.body, what: "task")
        #expect(envelope.kind == .update && envelope.update?.roundId == 1)

        let update = try fixture.update("bank-a", values: [4, 5, 6])
        var submit = HTTPRequest(method: "POST", target: "/v1/rounds/1/updates", body: update.body)
        submit.headers.add("Content-Type", "application/octet-stream")
        #expect(try agent.send(submit).status == 400)  // no signature header
        submit.headers.add("X-Apiary-Signature", update.signature)
        let accepted = try agent.send(submit)
        #expect(accepted.status == 200)
        #expect(try ProtocolJSON.decode(SubmissionReceipt.self, from: accepted.body, what: "receipt").status == "accepted")
        #expect(try agent.send(submit).status == 200)  // idempotent retry

        // The researcher cannot submit, and its name cannot be claimed by a request field.
        let forbidden = try researcher.send(submit)
        #expect(forbidden.status == 403 && forbidden.bodyText.contains("researcher"))
        #expect(try researcher.send(HTTPRequest(method: "GET", target: "/v1/tasks/next")).status == 403)
        #expect(try agent.send(HTTPRequest(method: "GET", target: "/v1/rounds/x/aggregate")).status == 404)
        #expect(try agent.send(HTTPRequest(method: "DELETE", target: "/healthz")).status == 405)
        #expect(try agent.send(HTTPRequest(method: "GET", target: "/v2/anything")).status == 404)
        var foreign = submit
        foreign.target = "/v1/rounds/9/updates"
        #expect(try agent.send(foreign).status == 404)

        let decline = HTTPRequest(method: "POST", target: "/v1/rounds/1/decline", body: try ProtocolJSON.encode(DeclineRequest(reason: "budget")))
        #expect(try InMemoryTransport(handler: router, peer: peer("clinic-c", .agent)).send(decline).status == 200)

        #expect(try researcher.send(HTTPRequest(method: "GET", target: "/healthz")).bodyText == "ok\n")
        let metrics = try researcher.send(HTTPRequest(method: "GET", target: "/metrics")).bodyText
        #expect(metrics.contains("apiary_updates_received_total 1"))
        #expect(metrics.contains("apiary_round_stage{stage=\"collecting\"} 1"))
        #expect(metrics.contains("# TYPE apiary_round_updates gauge"))
        let current = try researcher.send(HTTPRequest(method: "GET", target: "/v1/rounds/current"))
        #expect(try ProtocolJSON.decode(RoundState.self, from: current.body, what: "round").refusals["clinic-c"] == "budget")
    }

    @Test("the declared route table matches the methods the router serves (no 405 for a declared method, 405 for the other)")
    func routeTableMatchesRouter() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let router = CoordinatorRouter(engine: try fixture.engine(), metrics: CoordinatorMetrics(server: nil))
        let agent = peer("bank-a", .agent)
        // Ledger and dataset routes answer 404 without a ledger; the rest are checked here.
        for declaration in CoordinatorRouter.routeTable where !declaration.pattern.hasPrefix("v1/ledger") && !declaration.pattern.hasPrefix("v1/datasets") {
            let path = "/" + declaration.pattern.replacingOccurrences(of: "*", with: "1")
            let declared = router.handle(HTTPRequest(method: declaration.method, target: path), peer: agent)
            #expect(declared.status != 405, "\(declaration.method) \(path)")
            let other = declaration.method == "GET" ? "POST" : "GET"
            guard CoordinatorRouter.routeTable.declaration(method: other, route: Route(path: path)) == nil else { continue }
            #expect(router.handle(HTTPRequest(method: other, target: path), peer: agent).status == 405, "\(other) \(path)")
        }
    }
}
