import Testing
@testable import Shared

@Suite("Threshold key files")
struct ThresholdCodecTests {
    let dealing = ThresholdFixture.dealing
    var key: ThresholdPublicKey { dealing.publicKey }

    @Test("public key, verification keys, shares and partial decryptions round-trip")
    func roundTrip() throws {
        let paillierBytes = PaillierKeyCodec.encode(key.paillier)
        let verificationBytes = ThresholdKeyCodec.encodeVerificationKeys(key)
        #expect(verificationBytes.count == 11 + 32 + 6 * 128)
        let decoded = try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: paillierBytes, verificationKeys: verificationBytes)
        #expect(decoded == key)
        #expect(decoded.verificationKeysDigest == key.verificationKeysDigest)
        for share in dealing.shares {
            let bytes = ThresholdKeyCodec.encode(share)
            #expect(bytes.count == 13 + 32 + 128)
            let back = try ThresholdKeyCodec.decodeShare(bytes, publicKey: decoded)
            #expect(back.partyId == share.partyId)
            #expect(back.secret == share.secret)
        }
        let ciphertexts = ThresholdFixture.encrypt([BigUInt(7), BigUInt(8)])
        let context = ThresholdFixture.context()
        let partial = try dealing.shares[2].partiallyDecrypt(ciphertexts, context: context)
        let encoded = try ThresholdKeyCodec.encode(partial, key: key)
        let back = try ThresholdKeyCodec.decodePartialDecryption(encoded, key: key)
        #expect(back == partial)
        _ = try key.verify(back, of: ciphertexts, context: context)
        // Split at every position: every strict prefix is refused as truncated.
        for cut in stride(from: 0, to: encoded.count, by: 7) {
            #expect(throws: ApiaryError.self) { try ThresholdKeyCodec.decodePartialDecryption(Array(encoded.prefix(cut)), key: key) }
        }
    }

    @Test("malformed, truncated and oversized key files are refused with clear errors")
    func malformedFiles() throws {
        let paillierBytes = PaillierKeyCodec.encode(key.paillier)
        let verificationBytes = ThresholdKeyCodec.encodeVerificationKeys(key)
        let shareBytes = ThresholdKeyCodec.encode(dealing.shares[0])
        for cut in [0, 3, 7, 12, 44, shareBytes.count - 1] {
            let error = try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(Array(shareBytes.prefix(cut)), publicKey: key) }
            #expect(error.code == .invalidEncoding, "cut \(cut): \(error.reason)")
        }
        #expect(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(shareBytes + [0], publicKey: key) }
        var badMagic = shareBytes
        badMagic[0] = UInt8(ascii: "X")
        let magicError = try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(badMagic, publicKey: key) }
        #expect(magicError.reason.contains("not a threshold key share"))
        var badVersion = shareBytes
        badVersion[4] = 9
        #expect((try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(badVersion, publicKey: key) }).code == .unsupported)
        for cut in [5, 10, 42, verificationBytes.count - 1] {
            #expect(throws: ApiaryError.self) { try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: paillierBytes, verificationKeys: Array(verificationBytes.prefix(cut))) }
        }
        // t > l and t < 1 written into the header are refused.
        for (offset, value) in [(10, 6), (10, 0), (8, 0)] {
            var edited = verificationBytes
            edited[offset] = UInt8(value)
            #expect(throws: ApiaryError.self, "offset \(offset) = \(value)") {
                try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: paillierBytes, verificationKeys: edited)
            }
        }
        // A party id outside 1...l.
        var badParty = shareBytes
        badParty[12] = 6
        #expect(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(badParty, publicKey: key) }
    }

    @Test("a share for another key, and verification keys for another Paillier key, are refused")
    func otherKey() throws {
        let other = ThresholdFixture.otherDealing
        let shareBytes = ThresholdKeyCodec.encode(other.shares[1])
        let error = try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(shareBytes, publicKey: key) }
        #expect(error.reason.contains("belongs to another key"))
        // A share whose digest was edited to match still fails the v^(Delta s_i) = v_i check.
        var forged = shareBytes
        forged.replaceSubrange(13..<45, with: key.verificationKeysDigest)
        let forgedError = try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.decodeShare(forged, publicKey: key) }
        #expect(forgedError.reason.contains("does not match its verification key"))
        #expect(!forgedError.reason.contains(other.shares[1].secret.hex))
        // Verification keys against a different Paillier key file.
        let foreignPaillier = try PaillierPublicKey(n: key.paillier.n, hs: PaillierKeyGenerator.makeHs(n: key.paillier.n, using: SeededRandom(seed: 40)))
        #expect(throws: ApiaryError.self) {
            try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: PaillierKeyCodec.encode(foreignPaillier),
                                                  verificationKeys: ThresholdKeyCodec.encodeVerificationKeys(key))
        }
        // A tampered verification key inside the file: the shares no longer load.
        var tampered = ThresholdKeyCodec.encodeVerificationKeys(key)
        tampered[tampered.count - 1] ^= 1
        if let tamperedKey = try? ThresholdKeyCodec.decodePublicKey(paillierPublicKey: PaillierKeyCodec.encode(key.paillier), verificationKeys: tampered) {
            #expect(throws: ApiaryError.self) {
                try ThresholdKeyCodec.decodeShare(ThresholdKeyCodec.encode(dealing.shares[4]), publicKey: tamperedKey)
            }
        }
    }
}
