import Foundation

/// Binary formats of threshold keys and partial decryptions (docs/threshold.md, "File formats").
///
/// Verification keys: "APVK" | 0x01 | |n| (u16) | l (u16) | t (u16) | SHA-256 of the Paillier
///   public key encoding (32) | v | v_1 .. v_l            (residues: 2|n|/8 bytes each)
/// Key share:         "APKS" | 0x01 | |n| (u16) | l (u16) | t (u16) | party id (u16) |
///   SHA-256 of the verification keys encoding (32) | s_i (2|n|/8 bytes)
/// Partial decryption: "APPD" | 0x01 | |n| (u16) | party id (u16) | k (u32) | share_1 .. share_k |
///   e (32 bytes) | z (ceil(response bits / 8) bytes)
/// All integers are unsigned big-endian and fixed-width, so the length of each encoding is known
/// from its header and anything truncated or oversized is refused before it is parsed.
public enum ThresholdKeyCodec {
    static let verificationKeysMagic: [UInt8] = Array("APVK".utf8)
    static let shareMagic: [UInt8] = Array("APKS".utf8)
    static let partialMagic: [UInt8] = Array("APPD".utf8)

    // MARK: Verification keys

    /// Encodes the verification keys of `key` (bound to its Paillier key by hash).
    public static func encodeVerificationKeys(_ key: ThresholdPublicKey) -> [UInt8] {
        verificationKeysEncoding(paillier: key.paillier, partyCount: key.partyCount, threshold: key.threshold,
                                 verificationBase: key.verificationBase, verificationKeys: key.verificationKeys)
    }

    static func verificationKeysEncoding(paillier: PaillierPublicKey, partyCount: Int, threshold: Int,
                                         verificationBase: BigUInt, verificationKeys: [BigUInt]) -> [UInt8] {
        var out = PaillierKeyCodec.header(verificationKeysMagic, bits: paillier.modulusBits)
        out += ThresholdTranscript.u16(partyCount) + ThresholdTranscript.u16(threshold)
        out += SHA256.hash(PaillierKeyCodec.encode(paillier))
        for value in [verificationBase] + verificationKeys { out += ThresholdTranscript.residue(value, key: paillier) }
        return out
    }

    /// Decodes the joint public key from the Paillier public key file (`PaillierKeyCodec`) and the
    /// verification keys file, refusing verification keys made for another Paillier key.
    public static func decodePublicKey(paillierPublicKey paillierBytes: [UInt8], verificationKeys bytes: [UInt8]) throws -> ThresholdPublicKey {
        let paillier = try PaillierKeyCodec.decodePublicKey(paillierBytes)
        let what = "threshold verification keys"
        let bits = try PaillierKeyCodec.readHeader(bytes, magic: verificationKeysMagic, what: what)
        guard bits == paillier.modulusBits else {
            throw ApiaryError(.invalidEncoding, "\(what) are for a \(bits)-bit key, but the Paillier public key has \(paillier.modulusBits) bits")
        }
        guard bytes.count >= 11 else { throw ApiaryError(.invalidEncoding, "\(what) are truncated (\(bytes.count) bytes)") }
        let parties = readU16(bytes, at: 7), threshold = readU16(bytes, at: 9)
        try ThresholdPublicKey.validate(partyCount: parties, threshold: threshold)
        let width = paillier.ciphertextByteCount
        try PaillierKeyCodec.expectLength(bytes, 11 + 32 + (parties + 1) * width, what: "\(what) for \(parties) parties")
        guard Array(bytes[11..<43]) == SHA256.hash(paillierBytes) else {
            throw ApiaryError(.invalidArgument, "the \(what) belong to another Paillier public key")
        }
        let values = (0...parties).map { index in BigUInt(bigEndian: bytes[(43 + index * width)..<(43 + (index + 1) * width)]) }
        return try ThresholdPublicKey(paillier: paillier, partyCount: parties, threshold: threshold,
                                      verificationBase: values[0], verificationKeys: Array(values.dropFirst()))
    }

    // MARK: Key shares

    /// Encodes a key share. Secret: write it only with `SecureFile` (mode 0600).
    public static func encode(_ share: ThresholdKeyShare) -> [UInt8] {
        let key = share.publicKey
        var out = PaillierKeyCodec.header(shareMagic, bits: key.paillier.modulusBits)
        out += ThresholdTranscript.u16(key.partyCount) + ThresholdTranscript.u16(key.threshold) + ThresholdTranscript.u16(share.partyId)
        out += key.verificationKeysDigest
        out += ThresholdTranscript.residue(share.secret, key: key.paillier)
        return out
    }

    /// Decodes a key share and checks it belongs to `publicKey` (same key digest, and
    /// v^(Delta s_i) = v_i). Errors never include the secret.
    public static func decodeShare(_ bytes: [UInt8], publicKey: ThresholdPublicKey) throws -> ThresholdKeyShare {
        let what = "threshold key share"
        let bits = try PaillierKeyCodec.readHeader(bytes, magic: shareMagic, what: what)
        guard bits == publicKey.paillier.modulusBits else {
            throw ApiaryError(.invalidArgument, "the \(what) is for a \(bits)-bit key, but the public key has \(publicKey.paillier.modulusBits) bits: it belongs to another key")
        }
        let width = publicKey.paillier.ciphertextByteCount
        try PaillierKeyCodec.expectLength(bytes, 13 + 32 + width, what: what)
        let parties = readU16(bytes, at: 7), threshold = readU16(bytes, at: 9), party = readU16(bytes, at: 11)
        guard parties == publicKey.partyCount, threshold == publicKey.threshold, Array(bytes[13..<45]) == publicKey.verificationKeysDigest else {
            throw ApiaryError(.invalidArgument, "the \(what) belongs to another key (its key digest or t-of-l does not match the verification keys)")
        }
        var secretBytes = Array(bytes[45...])
        defer { BigUInt.wipe(&secretBytes) }
        return try ThresholdKeyShare(publicKey: publicKey, partyId: party, secret: BigUInt(bigEndian: secretBytes))
    }

    // MARK: Partial decryptions

    /// Bytes of an encoded response z for `key`.
    static func responseWidth(_ key: ThresholdPublicKey) -> Int {
        (EqualLogProof.responseBits(modulusBits: key.paillier.modulusBits, delta: key.delta) + 7) / 8
    }

    /// Encodes a partial decryption for the wire and the ledger. Throws if a value does not fit
    /// its field (only possible for a partial that was never verified).
    public static func encode(_ partial: PartialDecryption, key: ThresholdPublicKey) throws -> [UInt8] {
        guard (0...0xFFFF).contains(partial.partyId) else {
            throw ApiaryError(.outOfRange, "party id \(partial.partyId) does not fit the partial decryption format")
        }
        var out = PaillierKeyCodec.header(partialMagic, bits: key.paillier.modulusBits)
        out += ThresholdTranscript.u16(partial.partyId) + ThresholdTranscript.u32(partial.shares.count)
        out.reserveCapacity(out.count + partial.shares.count * key.paillier.ciphertextByteCount + 32 + responseWidth(key))
        for share in partial.shares { out += try share.serialized(width: key.paillier.ciphertextByteCount) }
        out += try partial.proof.challenge.serialized(width: 32)
        out += try partial.proof.response.serialized(width: responseWidth(key))
        return out
    }

    /// Decodes a partial decryption (its proof is checked by `ThresholdPublicKey.verify`).
    public static func decodePartialDecryption(_ bytes: [UInt8], key: ThresholdPublicKey) throws -> PartialDecryption {
        let what = "partial decryption"
        let bits = try PaillierKeyCodec.readHeader(bytes, magic: partialMagic, what: what)
        guard bits == key.paillier.modulusBits else {
            throw ApiaryError(.invalidEncoding, "\(what) is for a \(bits)-bit key, expected \(key.paillier.modulusBits)")
        }
        guard bytes.count >= 13 else { throw ApiaryError(.invalidEncoding, "\(what) is truncated (\(bytes.count) bytes)") }
        let party = readU16(bytes, at: 7)
        let count = Int(bytes[9]) << 24 | Int(bytes[10]) << 16 | Int(bytes[11]) << 8 | Int(bytes[12])
        let width = key.paillier.ciphertextByteCount, zWidth = responseWidth(key)
        try PaillierKeyCodec.expectLength(bytes, 13 + count * width + 32 + zWidth, what: "\(what) of \(count) shares")
        let shares = (0..<count).map { BigUInt(bigEndian: bytes[(13 + $0 * width)..<(13 + ($0 + 1) * width)]) }
        let proofStart = 13 + count * width
        let proof = EqualLogProof(challenge: BigUInt(bigEndian: bytes[proofStart..<(proofStart + 32)]),
                                  response: BigUInt(bigEndian: bytes[(proofStart + 32)...]))
        return PartialDecryption(partyId: party, shares: shares, proof: proof)
    }

    // MARK: Files

    /// Writes a key share to a new file created with mode 0600 (refuses an existing path).
    public static func save(_ share: ThresholdKeyShare, to path: String) throws {
        var bytes = encode(share)
        defer { BigUInt.wipe(&bytes) }
        try SecureFile.write(bytes, to: path)
    }

    /// Reads and checks a key share file against `publicKey`.
    public static func loadShare(from path: String, publicKey: ThresholdPublicKey) throws -> ThresholdKeyShare {
        var bytes = try SecureFile.read(path, maxBytes: 64 << 10)
        defer { BigUInt.wipe(&bytes) }
        do {
            return try decodeShare(bytes, publicKey: publicKey)
        } catch let error as ApiaryError {
            throw ApiaryError(error.code, "\(path): \(error.reason)")
        }
    }

    /// Reads the joint public key from a kit folder (`paillier-public-key.bin` and
    /// `verification-keys.bin`).
    public static func loadPublicKey(kitDirectory: String) throws -> ThresholdPublicKey {
        try decodePublicKey(paillierPublicKey: try SecureFile.read(kitDirectory + "/" + KitLayout.paillierPublicKey),
                            verificationKeys: try SecureFile.read(kitDirectory + "/" + KitLayout.verificationKeys))
    }

    static func readU16(_ bytes: [UInt8], at offset: Int) -> Int { Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) }
}
