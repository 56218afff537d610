/// One party's partial decryption of a vector of ciphertexts: the decryption shares
/// c_j^(2 Delta s_i) mod n^2 and one batched proof that all of them used the party's secret
/// share (docs/threshold.md, "Batched proofs").
public struct PartialDecryption: Sendable, Equatable {
    /// The party's id (1...l).
    public let partyId: Int
    /// share_j = c_j^(2 Delta s_i) mod n^2, one per ciphertext, in order.
    public let shares: [BigUInt]
    /// Proof that log_{C}(D) = log_v(v_i) for the weighted products C, D of the batch.
    public let proof: EqualLogProof

    /// A partial decryption as received (from the wire); `ThresholdPublicKey.verify` checks it.
    public init(partyId: Int, shares: [BigUInt], proof: EqualLogProof) {
        self.partyId = partyId
        self.shares = shares
        self.proof = proof
    }

    /// SHA-256 of its binary encoding under `key`: what the ledger records for a used share.
    /// Throws only for values that do not fit the format (never for a verified partial).
    public func digest(key: ThresholdPublicKey) throws -> [UInt8] {
        SHA256.hash(try ThresholdKeyCodec.encode(self, key: key))
    }
}
