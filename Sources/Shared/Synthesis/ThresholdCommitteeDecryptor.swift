/// Decrypts aggregates the way a deployment does (design brief 5.3): t share holders each
/// partially decrypt the aggregate with a proof bound to the round and the aggregate's hash;
/// the proofs are verified and t valid partials combined. In the simulation every share
/// lives in one process, but no full private key exists after dealing.
public struct ThresholdCommitteeDecryptor: AggregateDecryptor {
    /// The joint public key.
    public let publicKey: ThresholdPublicKey
    /// The shares of the parties that decrypt (t of them).
    public let committee: [ThresholdKeyShare]

    /// A committee of the first `publicKey.threshold` parties of `dealing`.
    public init(dealing: ThresholdDealing) {
        publicKey = dealing.publicKey
        committee = Array(dealing.shares.prefix(dealing.publicKey.threshold))
    }

    /// "Paillier N-bit, t-of-l threshold decryption".
    public var scheme: String {
        "Paillier \(publicKey.paillier.modulusBits)-bit, \(publicKey.threshold)-of-\(publicKey.partyCount) threshold decryption with verified proofs"
    }

    /// Partial decryptions by the committee, verified and combined.
    public func decrypt(_ aggregate: [PaillierCiphertext], roundID: String) throws -> [BigUInt] {
        let context = try DecryptionContext(roundId: roundID,
                                            aggregateHash: SHA256.hash(PaillierKeyCodec.encode(aggregate, key: publicKey.paillier)))
        let partials = try committee.map { try $0.partiallyDecrypt(aggregate, context: context) }
        return try publicKey.decrypt(partials, of: aggregate, context: context).plaintexts
    }
}
