import Foundation

/// Reads a coordinator's ledger API (docs/ledger.md, "HTTP API") over any transport: pages of
/// entries with their stored signed heads, the current head, and consistency proofs.
public struct LedgerClient: Sendable {
    public let transport: any HTTPTransport

    public init(transport: any HTTPTransport) { self.transport = transport }

    /// Entry encodings `start ..< end` (end nil: to the current size) and the signed heads
    /// stored with them, in the order the ledger file holds them.
    public func entries(from start: Int, upTo end: Int? = nil) throws -> (encodings: [[UInt8]], heads: [[SignedTreeHead]]) {
        var encodings: [[UInt8]] = []
        var heads: [[SignedTreeHead]] = []
        var next = start
        while end.map({ next < $0 }) ?? true {
            let limit = end.map { min(LedgerAPI.maximumPageSize, $0 - next) } ?? LedgerAPI.maximumPageSize
            let page = try getJSON("/v1/ledger/entries?from=\(next)&limit=\(limit)")
            guard let items = page["entries"] as? [[String: Any]] else { throw malformed("entries page at \(next)") }
            if items.isEmpty {
                guard end == nil else { throw ApiaryError(.protocolViolation, "the coordinator served no entries from \(next)") }
                break
            }
            for item in items {
                guard let encoding = item["encoding"] as? String, let index = item["index"] as? Int, index == next else {
                    throw malformed("entry \(next)")
                }
                encodings.append(try Self.hex(encoding))
                heads.append(try (item["signed_heads"] as? [[String: Any]] ?? []).map(Self.signedHead))
                next += 1
            }
            if end == nil, page["next"] is NSNull { break }
        }
        return (encodings, heads)
    }

    /// The whole ledger as file records (entry, then the heads stored after it).
    public func records() throws -> [LedgerRecord] {
        let (encodings, heads) = try entries(from: 0)
        var records: [LedgerRecord] = []
        for (encoding, stored) in zip(encodings, heads) {
            records.append(LedgerRecord(type: .entry, payload: encoding))
            records += stored.map { LedgerRecord.signedTreeHead($0) }
        }
        return records
    }

    /// The consistency proof between tree sizes `from` and `to`.
    public func consistencyProof(from: Int, to: Int) throws -> [[UInt8]] {
        guard from > 0, from < to else { return [] }
        let body = try getJSON("/v1/ledger/proofs/consistency?from=\(from)&to=\(to)")
        return try (body["proof"] as? [String] ?? []).map(Self.hex)
    }

    private func getJSON(_ target: String) throws -> [String: Any] {
        let response = try transport.send(HTTPRequest(method: "GET", target: target))
        guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw ApiaryError(.protocolViolation, "coordinator answered \(response.status) for \(target): \(response.bodyText.prefix(300))")
        }
        return object
    }

    static func signedHead(_ body: [String: Any]) throws -> SignedTreeHead {
        guard let signer = body["signer"] as? String, let size = body["tree_size"] as? Int, size >= 0, let root = body["root"] as? String,
              let time = body["timestamp_ms"] as? Int, time >= 0, let signature = body["signature"] as? String else {
            throw ApiaryError(.protocolViolation, "malformed signed head in a ledger page")
        }
        return SignedTreeHead(head: TreeHead(size: UInt64(size), root: try hex(root), timestampMillis: UInt64(time)),
                              signerId: signer, signature: try hex(signature))
    }

    /// Bytes of a hex field in a ledger message.
    public static func hex(_ text: String) throws -> [UInt8] {
        guard let bytes = [UInt8](hexString: text) else { throw ApiaryError(.invalidEncoding, "malformed hex in a ledger message") }
        return bytes
    }

    private func malformed(_ what: String) -> ApiaryError { ApiaryError(.protocolViolation, "malformed ledger response: \(what)") }
}
