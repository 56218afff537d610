import Foundation
import Shared

/// The institution's side of the ledger: keeps a full replica (persisted in the state
/// directory), and co-signs a coordinator head only after `EndorsementPolicy` has checked
/// every new entry: its own updates listed, each aggregate recomputed from the listed
/// ciphertexts, the decryption proofs, every ledger rule, and consistency with the last head
/// it saw. A fork or a rewritten entry stops it with `forkDetected`.
public final class LedgerCosigner: @unchecked Sendable {
    private let name: String
    private let transport: any HTTPTransport
    private let key: Ed25519PrivateKey
    private let thresholdKey: ThresholdPublicKey
    private let store: AgentStore
    private let genesisLeafHash: [UInt8]
    private let epsilonLimitMicros: UInt64
    private var replica: LedgerReplica
    /// Told of every round commitment this agent has co-signed.
    public var onCommitmentCosigned: (@Sendable (RoundCommitmentEntry) -> Void)?

    /// Persisted form of the replica: entry encodings, signed heads, last head (all hex).
    struct Saved: Codable {
        var entries: [String]
        var heads: [String]
        var lastHead: String?
    }

    public init(name: String, transport: any HTTPTransport, key: Ed25519PrivateKey, thresholdKey: ThresholdPublicKey,
                genesis: GenesisDescription, store: AgentStore, epsilonLimit: Double) throws {
        self.name = name
        self.transport = transport
        self.key = key
        self.thresholdKey = thresholdKey
        self.store = store
        self.genesisLeafHash = MerkleTree.leafHash(LedgerEntry.genesis(try GenesisEntry(description: genesis)).encoded())
        self.epsilonLimitMicros = UInt64((epsilonLimit * 1e6).rounded(.down))
        replica = LedgerReplica(genesisLeafHash: genesisLeafHash)
        if let bytes = try DurableFile.read(store.root + "/replica.json") {
            let saved = try ProtocolJSON.decode(Saved.self, from: bytes, what: store.root + "/replica.json")
            if let last = saved.lastHead {
                try replica.update(to: try SignedTreeHead(decoding: LedgerClient.hex(last)), consistencyProof: [],
                                   newEntries: try saved.entries.map(LedgerClient.hex), signedHeads: try saved.heads.map { try SignedTreeHead(decoding: LedgerClient.hex($0)) })
            }
        }
    }

    /// The replica's size (entries held).
    public var size: Int { replica.size }

    /// Checks and co-signs `headHex` (a coordinator head), then records the new entries.
    public func cosign(headHex: String) throws -> UInt64 {
        let head = try SignedTreeHead(decoding: LedgerClient.hex(headHex))
        // Co-signatures of entries this replica already holds may have arrived since it last
        // synchronised: fetch from the oldest entry not yet final, check the served copies of
        // held entries are byte-identical, and add the heads it missed.
        let firstPending = min(replica.finality.pendingEntries.first ?? replica.size, replica.size)
        let (served, allHeads) = try fetchEntries(from: firstPending, upTo: Int(head.head.size))
        let held = replica.size - firstPending
        for (offset, encoding) in served.prefix(held).enumerated() {
            try replica.checkServedEntry(index: firstPending + offset, encoding: encoding)
        }
        try replica.addSignedHeads(allHeads.filter { Int($0.head.size) <= replica.size })
        let entries = Array(served.dropFirst(held))
        let heads = allHeads.filter { Int($0.head.size) > replica.size }
        let proof = try consistencyProof(to: Int(head.head.size))
        let decoded = try entries.enumerated().map { try Ledger.decodeEntry($0.element, index: replica.size + $0.offset) }
        var ownUpdates: [UInt64: [UInt8]] = [:]
        for case .roundCommitment(let commitment) in decoded {
            if let prepared = try store.preparedUpdate(round: commitment.roundId) { ownUpdates[commitment.roundId] = SHA256.hash(prepared.body) }
        }
        let policy = EndorsementPolicy(partyId: name, recomputeAggregateHash: { [self] in try recomputeAggregateHash($0) },
                                       verifyDecryptionProofs: { [self] in try verifyProofs($0) }, ownEpsilonLimitMicros: epsilonLimitMicros)
        let cosignature = try policy.cosign(newEntries: decoded, ownUpdates: ownUpdates, replica: replica, newHead: head,
                                            consistencyProof: proof, newSignedHeads: heads, key: key)
        var next = replica
        try next.update(to: head, consistencyProof: proof, newEntries: entries, signedHeads: heads)
        replica = next
        try persist()
        let response = try transport.send(HTTPRequest(method: "POST", target: "/v1/ledger/cosignatures", body: cosignature.encoded()))
        guard response.status == 200 else {
            throw ApiaryError(.protocolViolation, "coordinator answered \(response.status) to a co-signature: \(response.bodyText.prefix(300))")
        }
        for case .roundCommitment(let commitment) in decoded { onCommitmentCosigned?(commitment) }
        return head.head.size
    }

    // MARK: Fetching

    private func fetchEntries(from start: Int, upTo end: Int) throws -> ([[UInt8]], [SignedTreeHead]) {
        let (encodings, heads) = try LedgerClient(transport: transport).entries(from: start, upTo: end)
        return (encodings, heads.joined().filter { Int($0.head.size) <= end })
    }

    private func consistencyProof(to size: Int) throws -> [[UInt8]] {
        try LedgerClient(transport: transport).consistencyProof(from: replica.size, to: size)
    }

    // MARK: Checks only an institution can make

    private func ciphertexts(round: UInt64, agent: String) throws -> (bytes: [UInt8], vector: [PaillierCiphertext]) {
        let response = try transport.send(HTTPRequest(method: "GET", target: "/v1/rounds/\(round)/updates/\(agent)"))
        guard response.status == 200 else { throw ApiaryError(.protocolViolation, "cannot fetch \(agent)'s update of round \(round)") }
        return (response.body, try PaillierKeyCodec.decodeVector(response.body, key: thresholdKey.paillier))
    }

    private func recomputeAggregateHash(_ commitment: RoundCommitmentEntry) throws -> [UInt8] {
        // This agent already recomputed exactly this aggregate when it decrypted the round.
        if let (record, _) = try store.decryption(round: commitment.roundId), record.aggregateHash == commitment.aggregateHash.hexString {
            return commitment.aggregateHash
        }
        var sum: CiphertextAccumulator? = nil
        for contribution in commitment.contributions {
            let (bytes, vector) = try ciphertexts(round: commitment.roundId, agent: contribution.partyId)
            guard SHA256.hash(bytes) == contribution.updateHash else {
                throw ApiaryError(.verificationFailed, "\(contribution.partyId)'s served update does not match its committed hash")
            }
            if sum == nil { sum = CiphertextAccumulator(publicKey: thresholdKey.paillier, count: vector.count) }
            try sum!.add(vector)
        }
        return sum.map { SHA256.hash($0.encoded) } ?? []
    }

    private func verifyProofs(_ commitment: RoundCommitmentEntry) throws -> Bool {
        let response = try transport.send(HTTPRequest(method: "GET", target: "/v1/rounds/\(commitment.roundId)/aggregate"))
        guard response.status == 200, SHA256.hash(response.body) == commitment.aggregateHash else { return false }
        let aggregate = try PaillierKeyCodec.decodeVector(response.body, key: thresholdKey.paillier)
        let context = try DecryptionContext(roundId: String(commitment.roundId), aggregateHash: commitment.aggregateHash)
        for share in commitment.decryptionShares {
            let served = try transport.send(HTTPRequest(method: "GET", target: "/v1/rounds/\(commitment.roundId)/partials/\(share.partyId)"))
            guard served.status == 200, SHA256.hash(served.body) == share.shareHash else { return false }
            let partial = try ThresholdKeyCodec.decodePartialDecryption(served.body, key: thresholdKey)
            guard try partial.digest(key: thresholdKey) == share.proofHash else { return false }
            _ = try thresholdKey.verify(partial, of: aggregate, context: context)
        }
        return true
    }

    private func persist() throws {
        let ledger = replica.ledger
        let saved = Saved(entries: ledger.encodings.map(\.hexString), heads: ledger.signedHeads.joined().map { $0.encoded().hexString },
                          lastHead: replica.lastHead.map { $0.encoded().hexString })
        try DurableFile.write(try ProtocolJSON.encode(saved), to: store.root + "/replica.json")
    }
}
