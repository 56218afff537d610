import Foundation

/// The JSON bodies of the coordinator's ledger endpoints (docs/ledger.md, "HTTP API"), as pure
/// functions of the ledger and the query parameters so they are tested without a server.
/// Hashes, encodings and signatures are lowercase hex; bad parameters throw
/// `ApiaryError(.invalidArgument, ...)`, which the server maps to 400.
public enum LedgerAPI {
    /// The most entries one `/v1/ledger/entries` response carries; clients page with `next`.
    public static let maximumPageSize = 1_000

    /// `GET /v1/ledger/head`: the coordinator-signed current head.
    public static func head(_ signed: SignedTreeHead) throws -> [UInt8] {
        try encode(HeadBody(signed))
    }

    /// `GET /v1/ledger/entries?from=N[&limit=L]`: entries from index N (at most `limit`, default
    /// and cap `maximumPageSize`), each with the signed heads of size index + 1.
    public static func entries(_ ledger: Ledger, query: [String: String]) throws -> [UInt8] {
        try allowOnly(["from", "limit"], in: query)
        let from = try required("from", in: query)
        guard from <= ledger.size else {
            throw ApiaryError(.invalidArgument, "from=\(from) is beyond the ledger's \(ledger.size) entries")
        }
        let limit = try optional("limit", in: query) ?? maximumPageSize
        guard limit >= 1, limit <= maximumPageSize else {
            throw ApiaryError(.invalidArgument, "limit must be between 1 and \(maximumPageSize)")
        }
        let end = min(ledger.size, from + limit)
        var items: [EntryBody] = []
        for index in from..<end {
            items.append(EntryBody(index: index, kind: ledger.entries[index].kind.name,
                                   leafHash: try ledger.tree.leafHash(at: index).hexString,
                                   encoding: ledger.encodings[index].hexString,
                                   signedHeads: ledger.signedHeads[index].map(SignedHeadBody.init)))
        }
        return try encode(EntriesBody(from: from, count: items.count, treeSize: ledger.size,
                                      next: end < ledger.size ? end : nil, entries: items))
    }

    /// `GET /v1/ledger/proofs/inclusion?index=N[&tree_size=S]`: the audit path of entry N in
    /// the tree of S entries (the current size by default).
    public static func inclusionProof(_ ledger: Ledger, query: [String: String]) throws -> [UInt8] {
        try allowOnly(["index", "tree_size"], in: query)
        let index = try required("index", in: query)
        let size = try optional("tree_size", in: query) ?? ledger.size
        guard size >= 1, size <= ledger.size, index < size else {
            throw ApiaryError(.invalidArgument, "need index < tree_size <= \(ledger.size), got index=\(index) tree_size=\(size)")
        }
        let path = try ledger.tree.inclusionProof(index: index, size: size)
        return try encode(InclusionBody(index: index, treeSize: size, leafHash: try ledger.tree.leafHash(at: index).hexString,
                                        root: try ledger.tree.root(size: size).hexString, path: path.map(\.hexString)))
    }

    /// `GET /v1/ledger/proofs/consistency?from=A&to=B`: the RFC 9162 proof that the tree of B
    /// entries extends the tree of A entries.
    public static func consistencyProof(_ ledger: Ledger, query: [String: String]) throws -> [UInt8] {
        try allowOnly(["from", "to"], in: query)
        let from = try required("from", in: query)
        let to = try required("to", in: query)
        guard from <= to, to <= ledger.size else {
            throw ApiaryError(.invalidArgument, "need from <= to <= \(ledger.size), got from=\(from) to=\(to)")
        }
        let proof = try ledger.tree.consistencyProof(from: from, to: to)
        return try encode(ConsistencyBody(from: from, to: to, oldRoot: try ledger.tree.root(size: from).hexString,
                                          newRoot: try ledger.tree.root(size: to).hexString, proof: proof.map(\.hexString)))
    }

    // MARK: - Parameters

    private static func allowOnly(_ names: Set<String>, in query: [String: String]) throws {
        if let unknown = query.keys.sorted().first(where: { !names.contains($0) }) {
            throw ApiaryError(.invalidArgument, "unknown parameter '\(unknown)' (allowed: \(names.sorted().joined(separator: ", ")))")
        }
    }

    private static func required(_ name: String, in query: [String: String]) throws -> Int {
        guard let value = try optional(name, in: query) else {
            throw ApiaryError(.invalidArgument, "missing parameter '\(name)'")
        }
        return value
    }

    /// A decimal without sign, leading "+", spaces or leading zeros beyond "0".
    private static func optional(_ name: String, in query: [String: String]) throws -> Int? {
        guard let text = query[name] else { return nil }
        guard text.utf8.count <= 18, let count = DecimalNumber.canonicalCount(text), let value = Int(exactly: count) else {
            throw ApiaryError(.invalidArgument, "parameter '\(name)' must be a non-negative decimal integer")
        }
        return value
    }

    // MARK: - Bodies

    private static func encode<Body: Encodable>(_ body: Body) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return [UInt8](try encoder.encode(body))
    }

    struct HeadBody: Encodable {
        var treeSize: UInt64
        var root: String
        var timestampMs: UInt64
        var signer: String
        var signature: String
        init(_ signed: SignedTreeHead) {
            treeSize = signed.head.size
            root = signed.head.root.hexString
            timestampMs = signed.head.timestampMillis
            signer = signed.signerId
            signature = signed.signature.hexString
        }
    }

    struct SignedHeadBody: Encodable {
        var signer: String
        var treeSize: UInt64
        var root: String
        var timestampMs: UInt64
        var signature: String
        init(_ signed: SignedTreeHead) {
            signer = signed.signerId
            treeSize = signed.head.size
            root = signed.head.root.hexString
            timestampMs = signed.head.timestampMillis
            signature = signed.signature.hexString
        }
    }

    struct EntryBody: Encodable {
        var index: Int
        var kind: String
        var leafHash: String
        var encoding: String
        var signedHeads: [SignedHeadBody]
    }

    struct EntriesBody: Encodable {
        var from: Int
        var count: Int
        var treeSize: Int
        var next: Int?
        var entries: [EntryBody]

        func encode(to encoder: Encoder) throws {
            // Why by hand: synthesised Encodable omits a nil `next`; the API promises null.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(from, forKey: .from)
            try container.encode(count, forKey: .count)
            try container.encode(treeSize, forKey: .treeSize)
            try container.encode(next, forKey: .next)
            try container.encode(entries, forKey: .entries)
        }
        enum CodingKeys: String, CodingKey { case from, count, treeSize, next, entries }
    }

    struct InclusionBody: Encodable {
        var index: Int
        var treeSize: Int
        var leafHash: String
        var root: String
        var path: [String]
    }

    struct ConsistencyBody: Encodable {
        var from: Int
        var to: Int
        var oldRoot: String
        var newRoot: String
        var proof: [String]
    }
}
