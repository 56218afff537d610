import Foundation
import Shared

/// Maps HTTP requests to the coordinator's engine and ledger (design brief section 9).
///
/// The caller's name and role come from its certificate (`PeerIdentity`), never from the
/// request; beyond /healthz the certificate must name this consortium and a current ledger
/// member with its role (`admissionRefusal`, else 403). Every refusal is a 4xx with a JSON
/// reason and changes nothing.
///
/// | method | path | role | what |
/// |---|---|---|---|
/// | GET | /healthz | any | liveness |
/// | GET | /metrics | any | Prometheus text |
/// | GET | /dashboard | any | the operator's HTML dashboard |
/// | GET | /v1/tasks/next?wait=S | agent | long-poll for the next task |
/// | POST | /v1/rounds/{id}/updates | agent | ciphertext vector, header X-Apiary-Signature |
/// | POST | /v1/rounds/{id}/decline | agent | JSON {"reason": ...} |
/// | GET | /v1/rounds/{id}/updates/{agent} | agent | an accepted update (for recomputing the sum) |
/// | GET | /v1/rounds/{id}/aggregate | agent | the aggregate ciphertext vector |
/// | POST | /v1/rounds/{id}/partials | agent (committee) | partial decryption with proof |
/// | GET | /v1/rounds/{id}/partials/{party} | agent | a partial used in a round (to check its proof) |
/// | GET | /v1/ledger/head, entries, proofs/inclusion, proofs/consistency | any | the ledger (docs/ledger.md) |
/// | POST | /v1/ledger/cosignatures | agent | an institution's co-signature of a tree head |
/// | GET | /v1/rounds/current | any | the round's state as JSON |
/// | GET | /v1/candidates/{sha256} | agent | the candidate synthetic CSV awaiting its quality round |
public struct CoordinatorRouter: HTTPHandler {
    public let engine: CoordinatorEngine
    public let metrics: CoordinatorMetrics
    public let ledger: LedgerService?
    public let datasets: DatasetCatalog?
    /// The candidate CSV with a given SHA-256 (hex), if one awaits its quality round.
    public let candidates: (@Sendable (String) throws -> [UInt8]?)?

    public init(engine: CoordinatorEngine, metrics: CoordinatorMetrics, ledger: LedgerService? = nil, datasets: DatasetCatalog? = nil,
                candidates: (@Sendable (String) throws -> [UInt8]?)? = nil) {
        self.engine = engine
        self.metrics = metrics
        self.ledger = ledger
        self.datasets = datasets
        self.candidates = candidates
    }

    /// The table above for the HTTP server (HEAD, `Allow`, and the body limit and role applied
    /// before a body is read); `handle` still checks method and role itself.
    public static let routeTable: [RouteDeclaration] = [
        .get("healthz"), .get("metrics"), .get("dashboard"), .get("v1/tasks/next"),
        .post("v1/rounds/*/updates", roles: [.agent], bodyLimit: .upload),
        .post("v1/rounds/*/decline", roles: [.agent]),
        .post("v1/rounds/*/partials", roles: [.agent], bodyLimit: .upload),
        .get("v1/rounds/*/updates/*"), .get("v1/rounds/*/partials/*"), .get("v1/candidates/*"),
        .get("v1/datasets"), .get("v1/datasets/*"), .post("v1/datasets/*/licence", roles: [.researcher]),
        .get("v1/datasets/*/synthetic.csv"), .get("v1/datasets/*/datasheet.json"), .get("v1/datasets/*/datasheet.md"),
        .get("v1/ledger/head"), .get("v1/ledger/entries"), .get("v1/ledger/proofs/inclusion"), .get("v1/ledger/proofs/consistency"),
        .post("v1/ledger/cosignatures", roles: [.agent]),
        .get("v1/rounds/*/aggregate"), .get("v1/rounds/current"),
    ]

    public var routes: [RouteDeclaration] { Self.routeTable }

    public func handle(_ request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse {
        let route = Route(request)
        if let repeated = request.repeatedQueryParameter {
            return .error(400, "query parameter '\(repeated.prefix(40))' is given more than once")
        }
        if route.matches("healthz") {
            guard request.method == "GET" || request.method == "HEAD" else { return notAllowed(request) }
            return .text(200, "ok\n")
        }
        if let refusal = admissionRefusal(of: peer, for: request) {
            Log.warning("http.forbidden", ["peer": peer.name, "role": peer.role.rawValue, "reason": refusal.reason])
            return .error(refusal.status, refusal.reason)
        }
        if route.matches("metrics") {
            guard request.method == "GET" else { return notAllowed(request) }
            return .text(200, metrics.render(engine: engine), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        if route.matches("dashboard") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard let ledger, let page = try? DashboardPage.collect(consortium: ledger.genesis.consortiumName, store: engine.store,
                                                                  ledger: ledger.appender.ledger, state: ledger.appender.state,
                                                                  pending: ledger.appender.pendingEntries, lastSeen: engine.lastSeen) else {
                return .error(503, "the dashboard needs the ledger")
            }
            return .text(200, page.html(), contentType: "text/html; charset=utf-8")
        }
        if route.matches("v1/tasks/next") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents poll for tasks") }
            // Decimal seconds only (Double("0x10") would be 16); the engine caps the wait at 60 s.
            let waitText = request.query["wait"] ?? "0"
            guard let wait = DecimalNumber.parse(waitText), wait >= 0 else {
                return .error(400, "wait=\(waitText.prefix(40)) is not a non-negative decimal number of seconds")
            }
            return json(200, engine.nextTask(for: peer.name, wait: wait))
        }
        if let captured = route.match("v1/rounds/*/updates") {
            guard request.method == "POST" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents submit updates") }
            guard let round = DecimalNumber.canonicalCount(captured[0]) else { return .error(400, "round id '\(captured[0])' is not a decimal number without sign or leading zero") }
            guard let signature = request.headers["X-Apiary-Signature"] else {
                return .error(400, "missing X-Apiary-Signature header (hex Ed25519 signature of the update)")
            }
            do {
                return json(200, try engine.submitUpdate(round: round, agent: peer.name, body: request.body, signatureHex: signature))
            } catch {
                return refusal(error, peer: peer, request: request)
            }
        }
        if let captured = route.match("v1/rounds/*/decline") {
            guard request.method == "POST" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents decline rounds") }
            guard let round = DecimalNumber.canonicalCount(captured[0]) else { return .error(400, "round id '\(captured[0])' is not a decimal number without sign or leading zero") }
            let reason: String
            do {
                reason = request.body.isEmpty ? "no reason given" : try ProtocolJSON.decode(DeclineRequest.self, from: request.body, what: "decline").reason
            } catch {
                return .error(400, "\(error)")
            }
            do {
                try engine.decline(round: round, agent: peer.name, reason: String(reason.prefix(500)))
                return .json(200, "{\"status\": \"recorded\"}")
            } catch {
                return refusal(error, peer: peer, request: request)
            }
        }
        if let captured = route.match("v1/rounds/*/partials") {
            guard request.method == "POST" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only committee agents send partial decryptions") }
            guard let round = DecimalNumber.canonicalCount(captured[0]) else { return .error(400, "round id '\(captured[0])' is not a decimal number without sign or leading zero") }
            do {
                let shareHash = try engine.submitPartial(round: round, party: peer.name, body: request.body)
                return .json(200, "{\"status\": \"accepted\", \"shareHash\": \"\(shareHash)\"}")
            } catch {
                return refusal(error, peer: peer, request: request)
            }
        }
        if let captured = route.match("v1/rounds/*/updates/*") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents read updates") }
            let agent = captured[1]
            guard let round = DecimalNumber.canonicalCount(captured[0]), PartyName.isSafe(agent) else { return .error(400, "bad round id or agent name") }
            // Only updates listed in a closed round are served (to recompute its aggregate).
            guard let state = try? engine.store.state(round: round), !state.isCollecting, state.contributors.contains(agent),
                  let bytes = try? engine.store.update(round: round, agent: agent) else {
                return .error(404, "no listed update from \(agent) in a closed round \(round)")
            }
            return octets(bytes)
        }
        if let captured = route.match("v1/rounds/*/partials/*") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents read partial decryptions") }
            let party = captured[1]
            guard let round = DecimalNumber.canonicalCount(captured[0]), PartyName.isSafe(party) else { return .error(400, "bad round id or party name") }
            guard let state = try? engine.store.state(round: round), state.combinedParties.contains(party),
                  let bytes = try? engine.store.partial(round: round, party: party) else {
                return .error(404, "no partial decryption of \(party) was used in round \(round)")
            }
            return octets(bytes)
        }
        if let captured = route.match("v1/candidates/*") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only institutions score candidates") }
            let hash = captured[0]
            guard SHA256.isHexDigest(hash) else {
                return .error(400, "a candidate is named by the lowercase hex SHA-256 of its CSV")
            }
            guard let bytes = try? candidates?(hash) else { return .error(404, "no candidate \(hash) awaits its quality round") }
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/csv; charset=utf-8")]), body: bytes)
        }
        if let datasets, route.segments.first == "v1", route.segments.dropFirst().first == "datasets" {
            return datasets.handle(route, request: request, peer: peer)
        }
        if let ledger, route.segments.first == "v1", route.segments.dropFirst().first == "ledger" {
            return ledgerRoute(route, request: request, peer: peer, ledger: ledger)
        }
        if let captured = route.match("v1/rounds/*/aggregate") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard peer.role == .agent else { return forbidden(peer, "only agents read aggregates") }
            guard let round = DecimalNumber.canonicalCount(captured[0]), let bytes = try? engine.store.aggregate(round: round) else {
                return .error(404, "round \(captured[0]) has no aggregate yet")
            }
            return octets(bytes)
        }
        if route.matches("v1/rounds/current") {
            guard request.method == "GET" else { return notAllowed(request) }
            guard let round = engine.currentRound else { return .error(404, "no round has been opened") }
            return json(200, round)
        }
        return .error(404, "no such endpoint: \(request.method) \(request.path)")
    }

    /// GET /v1/ledger/head, /v1/ledger/entries?from=N, /v1/ledger/proofs/inclusion?index=N,
    /// /v1/ledger/proofs/consistency?from=A&to=B (any role); POST /v1/ledger/cosignatures (institutions).
    private func ledgerRoute(_ route: Route, request: HTTPRequest, peer: PeerIdentity, ledger: LedgerService) -> HTTPResponse {
        do {
            if route.matches("v1/ledger/cosignatures") {
                guard request.method == "POST" else { return notAllowed(request) }
                guard peer.role == .agent else { return forbidden(peer, "only institutions co-sign") }
                let signed = try SignedTreeHead(decoding: request.body)
                try ledger.addCosignature(signed, from: peer.name)
                engine.notifyAgents()
                return .json(200, "{\"status\": \"recorded\"}")
            }
            guard request.method == "GET" else { return notAllowed(request) }
            let snapshot = ledger.appender.ledger
            if route.matches("v1/ledger/head") { return jsonBytes(try LedgerAPI.head(try ledger.appender.signedHead())) }
            if route.matches("v1/ledger/entries") { return jsonBytes(try LedgerAPI.entries(snapshot, query: request.query)) }
            if route.matches("v1/ledger/proofs/inclusion") { return jsonBytes(try LedgerAPI.inclusionProof(snapshot, query: request.query)) }
            if route.matches("v1/ledger/proofs/consistency") { return jsonBytes(try LedgerAPI.consistencyProof(snapshot, query: request.query)) }
            return .error(404, "no such ledger endpoint: \(request.path)")
        } catch let error as ApiaryError {
            Log.warning("ledger.request_refused", ["peer": peer.name, "path": request.path, "reason": error.reason])
            return .error(error.code == .invalidArgument || error.code == .invalidEncoding ? 400 : 422, error.reason)
        } catch {
            return .error(422, "\(error)")
        }
    }

    private func jsonBytes(_ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: bytes)
    }

    private func octets(_ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: bytes)
    }

    private func notAllowed(_ request: HTTPRequest) -> HTTPResponse {
        .error(405, "method \(request.method) is not allowed on \(request.path)")
    }

    private func json<T: Encodable>(_ status: Int, _ value: T) -> HTTPResponse {
        guard let bytes = try? ProtocolJSON.encode(value) else { return .error(500, "could not encode the response") }
        return HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: bytes)
    }

    /// Who may use the API beyond /healthz: a certificate for this consortium (subject O) and
    /// a current member of the ledger with the certificate's role (an agent an institution, a
    /// researcher a researcher, a coordinator the coordinator). Why: the CA's signature alone
    /// also covers a certificate issued by mistake or one of a removed member, and such a caller
    /// must not receive tasks, candidates or datasets. The server applies it before reading a
    /// body; `handle` applies it again for in-memory callers.
    public func admissionRefusal(of peer: PeerIdentity, for head: HTTPRequest) -> (status: Int, reason: String)? {
        guard let ledger, !Route(head).matches("healthz") else { return nil }
        let consortium = ledger.genesis.consortiumName
        guard peer.consortium == consortium else {
            return (403, "your certificate is for consortium '\(peer.consortium)', this coordinator serves '\(consortium)'")
        }
        let memberRole: MemberRole = switch peer.role {
        case .agent: .institution
        case .researcher: .researcher
        case .coordinator: .coordinator
        }
        guard ledger.appender.state.members[peer.name]?.role == memberRole else {
            return (403, "'\(peer.name)' is not a current \(memberRole.name) member on the consortium's ledger; your certificate's role is \(peer.role.rawValue)")
        }
        return nil
    }

    private func forbidden(_ peer: PeerIdentity, _ reason: String) -> HTTPResponse {
        Log.warning("http.forbidden", ["peer": peer.name, "role": peer.role.rawValue, "reason": reason])
        return .error(403, "\(reason); your certificate's role is \(peer.role.rawValue)")
    }

    private func refusal(_ error: any Error, peer: PeerIdentity, request: HTTPRequest) -> HTTPResponse {
        let (status, reason) = (error as? RoundState.Refusal).map { ($0.status, $0.reason) } ?? (500, "internal error")
        Log.warning("round.request_refused", ["peer": peer.name, "path": request.path, "status": String(status), "reason": reason])
        return .error(status, reason)
    }
}

/// Body of POST /v1/rounds/{id}/decline.
public struct DeclineRequest: Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }

    private enum CodingKeys: String, CodingKey { case reason }

    /// Refuses fields other than `reason` (docs/protocol.md): a client sending more means
    /// something the coordinator would silently drop.
    public init(from decoder: any Decoder) throws {
        if let unknown = try UnknownFields.of(decoder, known: ["reason"]).first {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown field '\(unknown)' (a decline has only reason)"))
        }
        reason = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .reason)
    }
}
