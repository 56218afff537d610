/// The Fiat-Shamir hash encoding of threshold decryption proofs (docs/threshold.md, "Proof").
///
/// Every integer is big-endian and fixed-width for the key (|n|/8 bytes for n, 2|n|/8 for
/// residues mod n^2), every variable-length field is length-prefixed, and every hash starts
/// with its own NUL-terminated label, so no two different transcripts share an encoding and no
/// hash of one kind can be reused as another.
enum ThresholdTranscript {
    static let inputsLabel = "apiary/threshold/inputs/v1"
    static let partialLabel = "apiary/threshold/partial/v1"
    static let weightLabel = "apiary/threshold/weight/v1"
    static let challengeLabel = "apiary/threshold/challenge/v1"

    /// Bits of each batching weight rho_j (the batch's soundness error is 2^-128 per attempt).
    static let weightBits = 128

    /// Digest of what is being decrypted: the context and the ciphertexts.
    /// SHA-256(label || u16 |n| || context || u32 k || c_1 .. c_k).
    static func inputsDigest(key: PaillierPublicKey, context: DecryptionContext, ciphertexts: [PaillierCiphertext]) -> [UInt8] {
        var hash = SHA256()
        hash.update(label(inputsLabel))
        hash.update(u16(key.modulusBits))
        hash.update(context.encoding)
        hash.update(u32(ciphertexts.count))
        for ciphertext in ciphertexts { hash.update(key.bytes(of: ciphertext)) }
        return hash.finalize()
    }

    /// Digest binding one party's statement: SHA-256(label || n || v || u16 party id || v_i ||
    /// inputs digest || share_1 .. share_k).
    static func partialDigest(key: ThresholdPublicKey, partyId: Int, inputsDigest: [UInt8], shares: [BigUInt]) -> [UInt8] {
        let paillier = key.paillier
        var hash = SHA256()
        hash.update(label(partialLabel))
        hash.update(fixed(paillier.n, width: paillier.modulusBits / 8))
        hash.update(residue(key.verificationBase, key: paillier))
        hash.update(u16(partyId))
        hash.update(residue(key.verificationKeys[partyId - 1], key: paillier))
        hash.update(inputsDigest)
        for share in shares { hash.update(residue(share, key: paillier)) }
        return hash.finalize()
    }

    /// The batching weights rho_1 .. rho_k derived from the party's transcript digest: the first
    /// 16 bytes of SHA-256(label || digest || u32 j). A single ciphertext gets weight 1 (the
    /// proof is then exactly Shoup's).
    static func weights(partialDigest: [UInt8], count: Int) -> [BigUInt] {
        guard count > 1 else { return [BigUInt(1)] }
        return (0..<count).map { index in
            var hash = SHA256()
            hash.update(label(weightLabel))
            hash.update(partialDigest)
            hash.update(u32(index))
            return BigUInt(bigEndian: hash.finalize().prefix(weightBits / 8))
        }
    }

    /// The challenge e = SHA-256(label || partial digest || C || D || a || b) as an integer.
    static func challenge(partialDigest: [UInt8], c: BigUInt, d: BigUInt, a: BigUInt, b: BigUInt, key: PaillierPublicKey) -> BigUInt {
        var hash = SHA256()
        hash.update(label(challengeLabel))
        hash.update(partialDigest)
        for value in [c, d, a, b] { hash.update(residue(value, key: key)) }
        return BigUInt(bigEndian: hash.finalize())
    }

    // MARK: Field encodings

    static func label(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    static func u16(_ value: Int) -> [UInt8] {
        precondition((0...0xFFFF).contains(value), "u16 field out of range")
        return [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    static func u32(_ value: Int) -> [UInt8] {
        precondition((0...0xFFFF_FFFF).contains(value), "u32 field out of range")
        return [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A residue mod n^2 in 2|n|/8 bytes (callers pass only values below n^2).
    static func residue(_ value: BigUInt, key: PaillierPublicKey) -> [UInt8] {
        fixed(value, width: key.ciphertextByteCount)
    }

    static func fixed(_ value: BigUInt, width: Int) -> [UInt8] {
        // Callers reduce or range-check first; a wider value here is a bug, not bad input.
        guard let bytes = try? value.serialized(width: width) else {
            preconditionFailure("transcript field of \(value.byteCount) bytes exceeds its \(width)-byte width")
        }
        return bytes
    }
}
