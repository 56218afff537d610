import Foundation
import Shared

/// Researcher access to published datasets (design brief section 9):
///
/// | method | path | who | what |
/// |---|---|---|---|
/// | GET | /v1/datasets | any | the published datasets and the candidates the quality gate rejected (JSON) |
/// | GET | /v1/datasets/{id} | any | metadata: hashes, size, epsilon, ledger entry, finality, licence status |
/// | POST | /v1/datasets/{id}/licence | researcher | spend the licence price (a ledger entry) |
/// | GET | /v1/datasets/{id}/synthetic.csv | licensed researcher, institution | the CSV; `Range: bytes=` supported |
/// | GET | /v1/datasets/{id}/datasheet.json, datasheet.md | any | the datasheet |
///
/// Only datasets whose publication entry is on the ledger are served; a rejected candidate's id
/// answers 404 with the rejection's ledger entry and reasons, and its rows are never served.
public struct DatasetCatalog: Sendable {
    public let root: String
    public let ledger: LedgerService
    /// Called after a ledger entry is appended (wakes agents so they co-sign it promptly).
    public let onLedgerChange: @Sendable () -> Void

    public init(root: String, ledger: LedgerService, onLedgerChange: @escaping @Sendable () -> Void = {}) {
        self.root = root
        self.ledger = ledger
        self.onLedgerChange = onLedgerChange
    }

    public func handle(_ route: Route, request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse {
        let state = ledger.appender.state
        if route.matches("v1/datasets") {
            guard request.method == "GET" else { return .error(405, "use GET") }
            let items = state.datasets.keys.sorted().map { metadata(id: $0, peer: peer, state: state) }
            let rejected = state.rejectedDatasets.keys.sorted().map { rejectionMetadata(state.rejectedDatasets[$0]!) }
            return json(["datasets": items, "rejected": rejected])
        }
        guard let id = route.segments.dropFirst(2).first, PartyName.isSafe(id) else {
            return .error(404, "no published dataset at \(request.path)")
        }
        guard let published = state.datasets[id] else {
            if let rejected = state.rejectedDatasets[id] {
                return .error(404, "dataset '\(id)' was not published: the quality gate rejected it (ledger entry \(rejected.entryIndex): \(rejected.rejection.failures.joined(separator: "; ")))")
            }
            return .error(404, "no published dataset at \(request.path)")
        }
        let folder = root + "/" + id
        switch Array(route.segments.dropFirst(3)) {
        case []:
            guard request.method == "GET" else { return .error(405, "use GET") }
            return json(metadata(id: id, peer: peer, state: state))
        case ["licence"]:
            guard request.method == "POST" else { return .error(405, "use POST to take a licence") }
            guard peer.role == .researcher else { return .error(403, "only researchers take licences; your certificate's role is \(peer.role.rawValue)") }
            if state.licences.contains([peer.name, id]) { return json(["status": "already licensed", "dataset": id]) }
            do {
                let index = try ledger.grantLicence(researcher: peer.name, datasetId: id)
                onLedgerChange()
                return json(["status": "licensed", "dataset": id, "ledgerEntry": index, "creditsSpent": Int(ledger.genesis.rewardPolicy.licencePriceCredits)])
            } catch let error as ApiaryError {
                return .error(402, "licence refused: \(error.reason)")
            } catch {
                return .error(500, "licence could not be recorded")
            }
        case ["synthetic.csv"]:
            guard request.method == "GET" || request.method == "HEAD" else { return .error(405, "use GET") }
            if peer.role == .researcher, !state.licences.contains([peer.name, id]) {
                return .error(402, "take a licence first: POST /v1/datasets/\(id)/licence (costs \(ledger.genesis.rewardPolicy.licencePriceCredits) credits)")
            }
            guard let bytes = try? DurableFile.read(folder + "/synthetic.csv"), SHA256.hash(bytes) == published.publication.csvHash else {
                return .error(500, "the stored dataset does not match its ledger entry")
            }
            return Self.ranged(bytes, request: request, contentType: "text/csv; charset=utf-8", name: "\(id).csv")
        case ["datasheet.json"], ["datasheet.md"]:
            let name = route.segments.last!
            guard request.method == "GET", let bytes = try? DurableFile.read(folder + "/" + name) else { return .error(404, "no \(name)") }
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", name.hasSuffix(".json") ? "application/json" : "text/markdown; charset=utf-8")]),
                                body: bytes)
        default:
            return .error(404, "no such dataset resource: \(request.path)")
        }
    }

    private func metadata(id: String, peer: PeerIdentity, state: LedgerState) -> [String: Any] {
        guard let published = state.datasets[id] else { return [:] }
        let body = published.publication
        return ["id": id, "ledgerEntry": published.entryIndex, "final": ledger.appender.isFinal(published.entryIndex),
                "csvSHA256": body.csvHash.hexString, "csvBytes": Int(body.csvSize), "datasheetSHA256": body.datasheetHash.hexString,
                "generator": body.generator, "epsilon": Double(body.epsilonMicros) / 1e6, "delta": Double(body.deltaAttos) / 1e18,
                "contributors": body.contributors, "rounds": body.rounds.map { Int($0) },
                "licensed": peer.role != .researcher || state.licences.contains([peer.name, id]),
                "licencePriceCredits": Int(ledger.genesis.rewardPolicy.licencePriceCredits),
                "links": ["csv": "/v1/datasets/\(id)/synthetic.csv", "datasheet": "/v1/datasets/\(id)/datasheet.json"]]
    }

    /// What the ledger says of a rejected candidate (no link: its rows are not served).
    private func rejectionMetadata(_ rejected: RejectedDataset) -> [String: Any] {
        let body = rejected.rejection
        return ["id": body.datasetId, "ledgerEntry": rejected.entryIndex, "final": ledger.appender.isFinal(rejected.entryIndex),
                "csvSHA256": body.csvHash.hexString, "csvBytes": Int(body.csvSize), "generator": body.generator,
                "failures": body.failures, "rounds": body.rounds.map { Int($0) }]
    }

    /// Serves `bytes` whole or the single byte range asked for (RFC 9110 section 14; `ByteRange`).
    static func ranged(_ bytes: [UInt8], request: HTTPRequest, contentType: String, name: String) -> HTTPResponse {
        ByteRange.response(serving: bytes, request: request, headers: HTTPHeaders([("Content-Type", contentType),
                                                                                  ("Content-Disposition", "attachment; filename=\"\(name)\"")]))
    }

    private func json(_ object: [String: Any]) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: [UInt8](data) + [0x0A])
    }
}
