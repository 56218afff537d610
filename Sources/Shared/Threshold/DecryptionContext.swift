/// What a threshold decryption is for: the round and the aggregate being decrypted.
///
/// Every proof of a partial decryption is bound to its context through the Fiat-Shamir hash,
/// so a valid proof for one round or aggregate cannot be replayed for another.
public struct DecryptionContext: Sendable, Hashable {
    /// The round's identifier as it appears in the ledger (1...256 bytes of UTF-8).
    public let roundId: String
    /// SHA-256 of the aggregate ciphertext vector being decrypted (32 bytes).
    public let aggregateHash: [UInt8]

    /// Longest accepted round identifier, in UTF-8 bytes.
    public static let maxRoundIdBytes = 256

    /// A context; throws for an empty or over-long round id or a hash that is not 32 bytes.
    public init(roundId: String, aggregateHash: [UInt8]) throws {
        let length = roundId.utf8.count
        guard (1...Self.maxRoundIdBytes).contains(length) else {
            throw ApiaryError(.invalidArgument, "a decryption context's round id must have 1 to \(Self.maxRoundIdBytes) bytes, got \(length)")
        }
        guard aggregateHash.count == SHA256.digestSize else {
            throw ApiaryError(.invalidArgument, "a decryption context's aggregate hash must be a 32-byte SHA-256 digest, got \(aggregateHash.count) bytes")
        }
        self.roundId = roundId
        self.aggregateHash = aggregateHash
    }

    /// The context's transcript encoding: round id length (u32 BE), round id (UTF-8), the
    /// 32-byte aggregate hash.
    var encoding: [UInt8] {
        let id = Array(roundId.utf8)
        return ThresholdTranscript.u32(id.count) + id + aggregateHash
    }
}
