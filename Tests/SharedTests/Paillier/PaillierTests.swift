import Testing
@testable import Shared

/// One 512-bit key shared by the suite: key generation is the slow part.
let testPaillierKey: PaillierPrivateKey = try! PaillierKeyGenerator.generate(modulusBits: 512, using: SeededRandom(seed: 2048))

@Suite("Paillier")
struct PaillierTests {
    func decimal(_ record: [String: String], _ key: String) throws -> BigUInt {
        try #require(BigUInt(record[key]!, radix: 10), "field \(key)")
    }

    @Test("known answers: toy key and the seeded 512-bit key (textbook and DJN encryption)")
    func knownAnswers() throws {
        for record in try TestVectors.records("paillier.txt") {
            let p = try decimal(record, "p"), q = try decimal(record, "q")
            let n = p * q
            let hs: BigUInt = try record["hs"].map { _ in try decimal(record, "hs") } ?? PaillierKeyGenerator.makeHs(n: n, using: SeededRandom(seed: 1))
            let publicKey = try PaillierPublicKey(n: n, hs: hs, checkingSize: false)
            let privateKey = try PaillierPrivateKey(p: p, q: q, publicKey: publicKey)
            let m = try decimal(record, "m")
            let c = try publicKey.encrypt(m, r: try decimal(record, "r"))
            #expect(c.value == (try decimal(record, "c")), "\(record["name"]!)")
            #expect(privateKey.decrypt(c) == m)
            if record["x"] != nil {
                #expect(PaillierKeyGenerator.makeHs(n: n, using: FixedUnitSource(n: n, x: try decimal(record, "x"))) == hs)
                let djn = try publicKey.encrypt(m, exponent: try decimal(record, "alpha"))
                #expect(djn.value == (try decimal(record, "c_djn")))
                #expect(privateKey.decrypt(djn) == m)
            }
        }
        // 1a: Dec(Enc(42) * Enc(50)) = 92 mod 77 = 15.
        let toyKey = try PaillierPublicKey(n: BigUInt(77), hs: PaillierKeyGenerator.makeHs(n: BigUInt(77)), checkingSize: false)
        let toyPrivate = try PaillierPrivateKey(p: BigUInt(7), q: BigUInt(11), publicKey: toyKey)
        let sum = toyKey.add(try toyKey.encrypt(BigUInt(42), r: BigUInt(23)), try toyKey.encrypt(BigUInt(50), r: BigUInt(31)))
        #expect(sum.value == BigUInt(3840).multiplied(by: BigUInt(2413), modulo: BigUInt(5929)))
        #expect(toyPrivate.decrypt(sum) == BigUInt(15))
    }

    @Test("Dec(Enc(a) Enc(b)) = a + b and Dec(Enc(a)^k) = k a mod n, over many random values")
    func homomorphicProperties() throws {
        let key = testPaillierKey
        let publicKey = key.publicKey
        let random = SeededRandom(seed: 77)
        for _ in 0..<60 {
            let a = BigUInt.random(below: publicKey.n, using: random)
            let b = BigUInt.random(below: publicKey.n, using: random)
            let k = BigUInt.random(bits: 64, using: random)
            let ca = try publicKey.encrypt(a, using: random)
            let cb = try publicKey.encrypt(b, using: random)
            #expect(key.decrypt(publicKey.add(ca, cb)) == (a + b) % publicKey.n)
            #expect(key.decrypt(publicKey.multiply(ca, by: k)) == (a * k) % publicKey.n)
            let fresh = publicKey.rerandomize(ca, using: random)
            #expect(fresh != ca)
            #expect(key.decrypt(fresh) == a)
        }
        // Encryption is randomised: the same plaintext twice gives different ciphertexts.
        let m = BigUInt(12345)
        #expect(try publicKey.encrypt(m) != publicKey.encrypt(m))
        // Vector encryption on several threads decrypts to the inputs.
        let plaintexts = (0..<20).map { BigUInt(UInt64($0) * 1_000_003) }
        let ciphertexts = try publicKey.encrypt(plaintexts, threads: 2)
        #expect(key.decrypt(ciphertexts, threads: 2) == plaintexts)
    }

    @Test("fixed-base table: h_s^a matches plain powm, and the 2048-bit table is under 16 MB")
    func fixedBaseTable() throws {
        let publicKey = testPaillierKey.publicKey
        let random = SeededRandom(seed: 8)
        for _ in 0..<30 {
            let a = BigUInt.random(bits: publicKey.shortExponentBits, using: random)
            #expect(publicKey.table.power(a) == publicKey.hs.power(a, modulo: publicKey.nSquared))
        }
        #expect(publicKey.table.power(BigUInt()) == BigUInt(1))
        // Table size is a function of the sizes only: 448-bit exponent, w = 9, 4096-bit n^2.
        #expect(PaillierParameters.shortExponentBits(modulusBits: 2048) == 448)
        let bytes2048 = ((448 + 8) / 9) * 511 * (4096 / 8)
        #expect(bytes2048 <= 16 * 1024 * 1024)
        #expect(publicKey.fixedBaseTableBytes == ((256 + 8) / 9) * 511 * (1024 / 8))
    }

    @Test("keys and ciphertext vectors round-trip through the binary format")
    func serialisationRoundTrip() throws {
        let key = testPaillierKey
        let publicBytes = PaillierKeyCodec.encode(key.publicKey)
        #expect(publicBytes.count == 7 + 3 * 64)
        #expect(try PaillierKeyCodec.decodePublicKey(publicBytes) == key.publicKey)
        let privateBytes = PaillierKeyCodec.encode(key)
        let restored = try PaillierKeyCodec.decodePrivateKey(privateBytes)
        let c = try key.publicKey.encrypt(BigUInt(4242))
        #expect(restored.decrypt(c) == BigUInt(4242))
        let vector = try (0..<5).map { try key.publicKey.encrypt(BigUInt(UInt64($0))) }
        let encoded = PaillierKeyCodec.encode(vector, key: key.publicKey)
        #expect(try PaillierKeyCodec.decodeVector(encoded, key: key.publicKey, expectedCount: 5) == vector)
    }

    @Test("bad input: typed errors, never a crash or a wrong answer")
    func badInput() throws {
        let key = testPaillierKey
        let publicKey = key.publicKey
        // Plaintext >= n.
        #expect(throws: ApiaryError.self) { try publicKey.encrypt(publicKey.n) }
        // Ciphertexts outside Z*_{n^2}: zero, n^2, a multiple of p.
        #expect(throws: ApiaryError.self) { try publicKey.validate(BigUInt()) }
        #expect(throws: ApiaryError.self) { try publicKey.validate(publicKey.nSquared) }
        #expect(throws: ApiaryError.self) { try publicKey.validate(key.p.multiplied(by: 3)) }
        // Wrong-size ciphertext bytes.
        #expect(throws: ApiaryError.self) { try publicKey.ciphertext(bytes: [UInt8](repeating: 1, count: 127)) }
        #expect(throws: ApiaryError.self) { try publicKey.ciphertext(bytes: [UInt8](repeating: 1, count: 129)) }
        // Truncated and oversized keys and vectors.
        let publicBytes = PaillierKeyCodec.encode(publicKey)
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePublicKey(Array(publicBytes.dropLast())) }
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePublicKey(publicBytes + [0]) }
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePublicKey(Array(publicBytes.prefix(3))) }
        let privateBytes = PaillierKeyCodec.encode(key)
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePrivateKey(Array(privateBytes.dropLast(10))) }
        var wrongPrime = privateBytes
        wrongPrime[10] ^= 0x40
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePrivateKey(wrongPrime) }
        let vector = PaillierKeyCodec.encode([try publicKey.encrypt(BigUInt(1))], key: publicKey)
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodeVector(Array(vector.dropLast()), key: publicKey) }
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodeVector(vector, key: publicKey, expectedCount: 2) }
        var zeroed = vector
        for i in 11..<zeroed.count { zeroed[i] = 0 }
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodeVector(zeroed, key: publicKey) }
        // Unsupported sizes, in generation and in a header.
        do {
            _ = try PaillierKeyGenerator.generate(modulusBits: 1000)
            Issue.record("1000-bit key accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .unsupported)
            #expect(error.reason.contains("1000 bits"))
        }
        var badHeader = publicBytes
        badHeader[5] = 0x03; badHeader[6] = 0xE8  // 1000 bits
        #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodePublicKey(badHeader) }
        #expect(throws: ApiaryError.self) { try PaillierPublicKey(n: BigUInt(77), hs: BigUInt(2)) }
    }

    @Test("vector validation: one gcd for the vector finds a non-unit at any index, whichever prime it shares")
    func batchedUnitCheck() throws {
        let key = testPaillierKey
        let publicKey = key.publicKey
        let good = try (0..<6).map { try publicKey.encrypt(BigUInt(UInt64($0))).value }
        #expect(try publicKey.validate(vector: good).map(\.value) == good)
        for factor in [key.p, key.q, publicKey.n] {
            for index in [0, 3, 5] {
                var values = good
                values[index] = factor.multiplied(by: 7)  // below n^2, shares a factor with n
                do {
                    _ = try publicKey.validate(vector: values)
                    Issue.record("non-unit at \(index) accepted")
                } catch let error as ApiaryError {
                    #expect(error.reason.hasPrefix("ciphertext \(index):"))
                }
                let encoded = PaillierKeyCodec.encode(values.map { PaillierCiphertext(unchecked: $0) }, key: publicKey)
                #expect(throws: ApiaryError.self) { try PaillierKeyCodec.decodeVector(encoded, key: publicKey) }
            }
        }
        var outOfRange = good
        outOfRange[4] = publicKey.nSquared
        #expect(throws: ApiaryError.self) { try publicKey.validate(vector: outOfRange) }
    }

    @Test("safe-prime keys decrypt (the threshold scheme's key shape)")
    func safePrimeKey() throws {
        let key = try PaillierKeyGenerator.generate(modulusBits: 512, safePrimes: true, using: SeededRandom(seed: 4))
        #expect((key.p >> 1).isProbablePrime())
        #expect((key.q >> 1).isProbablePrime())
        #expect(key.publicKey.n.bitWidth == 512)
        let c = try key.publicKey.encrypt(BigUInt(99))
        #expect(key.decrypt(c) == BigUInt(99))
    }
}

/// A `RandomSource` that makes `BigUInt.randomUnit(modulo: n)` return a chosen x: it emits
/// x's bytes at the width `random(below:)` draws.
struct FixedUnitSource: RandomSource {
    let bytes: [UInt8]
    init(n: BigUInt, x: BigUInt) { bytes = try! x.serialized(width: (n.bitWidth + 7) / 8) }
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in 0..<buffer.count { buffer[i] = bytes[i % bytes.count] }
    }
}
