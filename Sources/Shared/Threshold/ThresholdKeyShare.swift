import Foundation

/// One party's secret share s_i of the threshold Paillier key, with the public key it belongs to.
///
/// Secret material: s_i and the exponents derived from it live in GMP memory that is zeroed on
/// release, are used only in constant-time exponentiations, and never appear in errors or logs.
/// Save it only through `ThresholdKeyCodec.save(_:to:)`, which creates the file 0600.
public struct ThresholdKeyShare: Sendable {
    /// The joint public key (Paillier key and verification keys).
    public let publicKey: ThresholdPublicKey
    /// This party's id i (1...l).
    public let partyId: Int
    /// s_i = f(i) mod n m.
    let secret: BigUInt
    /// x = Delta s_i: the discrete log proved equal in each proof.
    let proofExponent: BigUInt
    /// 2 Delta s_i, the exponent of a partial decryption, held by OpenSSL for its constant-time
    /// exponentiation (cleared on release).
    let decryptionExponent: OpenSSLBigNumber

    /// A share, checked against the public key: v^(Delta s_i) must equal v_i, which catches a
    /// share for another key or a tampered verification key before it produces bad shares.
    public init(publicKey: ThresholdPublicKey, partyId: Int, secret: BigUInt) throws {
        try publicKey.checkParty(partyId)
        guard !secret.isZero, secret < publicKey.paillier.nSquared else {
            throw ApiaryError(.invalidArgument, "key share of party \(partyId) is out of range for this key")
        }
        let exponent = publicKey.delta * secret
        guard publicKey.verificationBase.powerSecret(exponent, modulo: publicKey.paillier.nSquared) == publicKey.verificationKeys[partyId - 1] else {
            throw ApiaryError(.verificationFailed, "key share of party \(partyId) does not match its verification key v_\(partyId): it belongs to another key, or the verification keys were altered")
        }
        self.publicKey = publicKey
        self.partyId = partyId
        self.secret = secret
        self.proofExponent = exponent
        self.decryptionExponent = OpenSSLBigNumber(exponent << 1, secret: true)
    }

    /// The bare decryption share c^(2 Delta s_i) mod n^2, without a proof (constant time in
    /// the share). A coordinator accepts shares only with a proof: use `partiallyDecrypt`.
    public func decryptionShare(of ciphertext: PaillierCiphertext) -> BigUInt {
        publicKey.secretExponentiator.power(ciphertext.value, decryptionExponent)
    }

    /// Partially decrypts a vector of ciphertexts on up to `threads` cores and proves, with one
    /// batched proof bound to `context`, that every share used this party's secret.
    public func partiallyDecrypt(_ ciphertexts: [PaillierCiphertext], context: DecryptionContext,
                                 threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                 using source: some RandomSource = SystemRandom()) throws -> PartialDecryption {
        let inputs = try publicKey.inputsDigest(ciphertexts, context: context)
        let shares = ParallelMap.map(ciphertexts.count, threads: threads) { decryptionShare(of: ciphertexts[$0]) }
        return prove(ciphertexts: ciphertexts, shares: shares, inputsDigest: inputs, threads: threads, source: source)
    }

    /// The batched proof for shares already computed (separated for the benchmark's breakdown).
    func prove(ciphertexts: [PaillierCiphertext], shares: [BigUInt], inputsDigest: [UInt8], threads: Int,
               source: some RandomSource) -> PartialDecryption {
        let key = publicKey
        let digest = ThresholdTranscript.partialDigest(key: key, partyId: partyId, inputsDigest: inputsDigest, shares: shares)
        let (c, d) = key.batchedStatement(ciphertexts: ciphertexts.map(\.value), shares: shares, partialDigest: digest, threads: threads)
        let proof = EqualLogProof.prove(
            exponent: proofExponent, c: c, v: key.verificationBase, exponentiator: key.secretExponentiator,
            randomnessBits: EqualLogProof.randomnessBits(modulusBits: key.paillier.modulusBits, delta: key.delta),
            threads: threads, source: source
        ) { a, b in
            ThresholdTranscript.challenge(partialDigest: digest, c: c, d: d, a: a, b: b, key: key.paillier)
        }
        return PartialDecryption(partyId: partyId, shares: shares, proof: proof)
    }
}
