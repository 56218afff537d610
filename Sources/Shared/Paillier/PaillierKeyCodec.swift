/// The binary formats of Paillier keys and ciphertext vectors (specified in docs/paillier.md).
///
/// Public key:  "APPK" | version 0x01 | modulus bits (u16 BE) | n (|n|/8 bytes) | h_s (2|n|/8 bytes)
/// Private key: "APSK" | version 0x01 | modulus bits (u16 BE) | p (|n|/16 bytes) | q (|n|/16 bytes)
///              | public key encoding
/// Ciphertext vector: "APCV" | version 0x01 | modulus bits (u16 BE) | count (u32 BE) | count
///              ciphertexts, each 2|n|/8 bytes big-endian.
/// Every field is fixed-width for a given modulus size, so the total length is known after the
/// header and a truncated or oversized encoding is refused.
public enum PaillierKeyCodec {
    static let publicMagic: [UInt8] = Array("APPK".utf8)
    static let privateMagic: [UInt8] = Array("APSK".utf8)
    static let vectorMagic: [UInt8] = Array("APCV".utf8)
    static let version: UInt8 = 1

    // MARK: Public key

    /// Encodes a public key.
    public static func encode(_ key: PaillierPublicKey) -> [UInt8] {
        let width = key.modulusBits / 8
        return header(publicMagic, bits: key.modulusBits) + (try! key.n.serialized(width: width)) + (try! key.hs.serialized(width: 2 * width))
    }

    /// Decodes and validates a public key.
    public static func decodePublicKey(_ bytes: [UInt8]) throws -> PaillierPublicKey {
        let bits = try readHeader(bytes, magic: publicMagic, what: "Paillier public key")
        let width = bits / 8
        try expectLength(bytes, 7 + 3 * width, what: "Paillier public key")
        let n = BigUInt(bigEndian: bytes[7..<(7 + width)])
        let hs = BigUInt(bigEndian: bytes[(7 + width)...])
        guard n.bitWidth == bits else {
            throw ApiaryError(.invalidEncoding, "Paillier public key header says \(bits) bits but n has \(n.bitWidth)")
        }
        return try PaillierPublicKey(n: n, hs: hs)
    }

    // MARK: Private key

    /// Encodes a private key. Secret material: write only to files created 0600.
    public static func encode(_ key: PaillierPrivateKey) -> [UInt8] {
        let half = key.publicKey.modulusBits / 16
        return header(privateMagic, bits: key.publicKey.modulusBits) + (try! key.p.serialized(width: half))
            + (try! key.q.serialized(width: half)) + encode(key.publicKey)
    }

    /// Decodes and validates a private key (checks p q = n and primality).
    public static func decodePrivateKey(_ bytes: [UInt8]) throws -> PaillierPrivateKey {
        let bits = try readHeader(bytes, magic: privateMagic, what: "Paillier private key")
        let half = bits / 16
        let publicLength = 7 + 3 * (bits / 8)
        try expectLength(bytes, 7 + 2 * half + publicLength, what: "Paillier private key")
        let p = BigUInt(bigEndian: bytes[7..<(7 + half)])
        let q = BigUInt(bigEndian: bytes[(7 + half)..<(7 + 2 * half)])
        let publicKey = try decodePublicKey(Array(bytes[(7 + 2 * half)...]))
        guard publicKey.modulusBits == bits else {
            throw ApiaryError(.invalidEncoding, "Paillier private key header and embedded public key disagree on the size")
        }
        return try PaillierPrivateKey(p: p, q: q, publicKey: publicKey)
    }

    // MARK: Ciphertext vectors

    /// Encodes ciphertexts under `key` as one vector.
    public static func encode(_ ciphertexts: [PaillierCiphertext], key: PaillierPublicKey) -> [UInt8] {
        var out = header(vectorMagic, bits: key.modulusBits)
        let count = UInt32(ciphertexts.count)
        out += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        out.reserveCapacity(out.count + ciphertexts.count * key.ciphertextByteCount)
        for ciphertext in ciphertexts { out += key.bytes(of: ciphertext) }
        return out
    }

    /// Decodes a ciphertext vector for `key`, validating every element; `expectedCount`, when
    /// given, must match.
    public static func decodeVector(_ bytes: [UInt8], key: PaillierPublicKey, expectedCount: Int? = nil) throws -> [PaillierCiphertext] {
        let bits = try readHeader(bytes, magic: vectorMagic, what: "ciphertext vector")
        guard bits == key.modulusBits else {
            throw ApiaryError(.invalidEncoding, "ciphertext vector is for a \(bits)-bit key, expected \(key.modulusBits)")
        }
        guard bytes.count >= 11 else { throw ApiaryError(.invalidEncoding, "ciphertext vector is truncated before its count") }
        let count = Int(bytes[7]) << 24 | Int(bytes[8]) << 16 | Int(bytes[9]) << 8 | Int(bytes[10])
        if let expectedCount, expectedCount != count {
            throw ApiaryError(.invalidArgument, "ciphertext vector has \(count) elements, expected \(expectedCount)")
        }
        let width = key.ciphertextByteCount
        try expectLength(bytes, 11 + count * width, what: "ciphertext vector of \(count) elements")
        let values = (0..<count).map { index in BigUInt(bigEndian: bytes[(11 + index * width)..<(11 + (index + 1) * width)]) }
        // Range checks per element, the unit check with one gcd for the vector (see `validate(vector:)`).
        return try key.validate(vector: values)
    }

    // MARK: Helpers

    static func header(_ magic: [UInt8], bits: Int) -> [UInt8] {
        magic + [version, UInt8(bits >> 8), UInt8(bits & 0xFF)]
    }

    static func readHeader(_ bytes: [UInt8], magic: [UInt8], what: String) throws -> Int {
        guard bytes.count >= 7 else { throw ApiaryError(.invalidEncoding, "\(what) is truncated (\(bytes.count) bytes)") }
        guard Array(bytes[0..<4]) == magic else {
            throw ApiaryError(.invalidEncoding, "not a \(what): expected magic \(String(decoding: magic, as: UTF8.self))")
        }
        guard bytes[4] == version else {
            throw ApiaryError(.unsupported, "\(what) has format version \(bytes[4]); this build reads version \(version)")
        }
        let bits = Int(bytes[5]) << 8 | Int(bytes[6])
        try PaillierParameters.validate(modulusBits: bits)
        return bits
    }

    static func expectLength(_ bytes: [UInt8], _ expected: Int, what: String) throws {
        guard bytes.count == expected else {
            let problem = bytes.count < expected ? "truncated" : "oversized"
            throw ApiaryError(.invalidEncoding, "\(what) is \(problem): \(bytes.count) bytes, expected \(expected)")
        }
    }
}
