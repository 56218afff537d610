import Testing
@testable import Shared

@Suite("Threshold known answers")
struct ThresholdKnownAnswerTests {
    func hex(_ record: [String: String], _ key: String) throws -> BigUInt {
        let text = try #require(record[key], "field \(key)")
        return try #require(BigUInt(text, radix: 16), "field \(key)")
    }

    /// Minimal big-endian bytes (at least one), the reference's integer encoding in its hash.
    func minimal(_ value: BigUInt) -> [UInt8] { value.isZero ? [0] : value.bigEndianBytes }

    @Test("reference dealing, partial decryptions, proofs, Lagrange coefficients and combination (64- and 256-bit n)")
    func referenceVectors() throws {
        let records = try TestVectors.records("threshold.txt")
        #expect(records.count == 2)
        for record in records {
            let name = record["name"]!
            let p = try hex(record, "p"), q = try hex(record, "q"), n = try hex(record, "n")
            #expect(p * q == n, "\(name)")
            #expect((p >> 1) * (q >> 1) == (try hex(record, "pprime_qprime")))
            let paillier = try PaillierPublicKey(n: n, hs: PaillierKeyGenerator.makeHs(n: n, using: SeededRandom(seed: 1)), checkingSize: false)
            let dealing = try ThresholdDealer.deal(p: p, q: q, publicKey: paillier, parties: 3, threshold: 2,
                                                   coefficients: [try hex(record, "a1")], verificationBase: try hex(record, "v"),
                                                   using: SeededRandom(seed: 2))
            let key = dealing.publicKey
            #expect(key.delta == BigUInt(6))
            for party in 1...3 {
                #expect(dealing.shares[party - 1].secret == (try hex(record, "s\(party)")), "\(name) s_\(party)")
                #expect(key.verificationKeys[party - 1] == (try hex(record, "v\(party)")), "\(name) v_\(party)")
            }
            // d = f(0): with t = 2, d = 2 s_1 - s_2 (mod n m).
            let nm = n * (try hex(record, "pprime_qprime"))
            let d = ((dealing.shares[0].secret << 1) + nm - dealing.shares[1].secret) % nm
            #expect(d == (try hex(record, "d")))

            let m = try #require(BigUInt(record["m"]!, radix: 10))
            let c = try paillier.validate(try hex(record, "c"))
            let nSquared = paillier.nSquared
            for party in [1, 3] {
                let share = dealing.shares[party - 1].decryptionShare(of: c)
                #expect(share == (try hex(record, "c\(party)")), "\(name) c_\(party)")
                // The reference's proofs verify with our verification algebra under its hash encoding.
                let proof = EqualLogProof(challenge: try hex(record, "e\(party)"), response: try hex(record, "z\(party)"))
                let c4 = c.value.power(BigUInt(4), modulo: nSquared)
                func referenceChallenge(_ shareValue: BigUInt) throws -> BigUInt {
                    let shareSquared = shareValue.multiplied(by: shareValue, modulo: nSquared)
                    let commitments = try #require(proof.recomputedCommitments(c: c4, d: shareSquared, v: key.verificationBase,
                                                                               vi: key.verificationKeys[party - 1], modulus: nSquared))
                    return BigUInt(bigEndian: SHA256.hash(minimal(commitments.a) + minimal(commitments.b) + minimal(c4) + minimal(shareSquared)))
                }
                #expect(try referenceChallenge(share) == proof.challenge, "\(name) reference proof of party \(party)")
                #expect(try referenceChallenge(share.multiplied(by: BigUInt(2), modulo: nSquared)) != proof.challenge, "tampered share")
            }
            let coefficients = LagrangeCoefficients(parties: [1, 3], delta: key.delta)
            #expect(coefficients.values.map(\.intValue) == [Int(record["lambda1"]!)!, Int(record["lambda3"]!)!])
            let combined = try key.combineOne([try hex(record, "c1"), try hex(record, "c3")], coefficients: coefficients)
            #expect(combined.combined == (try hex(record, "combined")), "\(name) c'")
            #expect(combined.plaintext == m, "\(name) combined m")

            // Our own proofs over the same shares verify, and the whole path decrypts.
            let context = try DecryptionContext(roundId: "kat", aggregateHash: SHA256.hash(Array(name.utf8)))
            let partials = try [1, 3].map { try dealing.shares[$0 - 1].partiallyDecrypt([c], context: context, threads: 1, using: SeededRandom(seed: 8)) }
            #expect(partials.map { $0.shares[0] } == [try hex(record, "c1"), try hex(record, "c3")])
            let result = try key.decrypt(partials, of: [c], context: context)
            #expect(result.plaintexts == [m])
            #expect(result.partyIds == [1, 3])
        }
    }

    @Test("Lagrange coefficients: sum_i lambda_i f(i) = Delta f(0) over the integers for every subset")
    func lagrangeIdentity() throws {
        let delta = BigUInt.factorial(5)
        // f(X) = 7 + 3X + 11X^2, so Delta f(0) = 840.
        func f(_ x: Int) -> Int { 7 + 3 * x + 11 * x * x }
        for subset in [[1, 2, 3], [1, 3, 5], [2, 4, 5], [3, 4, 5], [5, 1, 2]] {
            let coefficients = LagrangeCoefficients(parties: subset, delta: delta)
            let sum = zip(subset, coefficients.values).map { f($0) * $1.intValue! }.reduce(0, +)
            #expect(sum == 120 * 7, "subset \(subset)")
        }
    }

    @Test("multi-exponentiation equals the product of separate powers")
    func multiExponentiation() throws {
        let random = SeededRandom(seed: 12)
        let drawn = BigUInt.random(bits: 300, using: random)
        let modulus = drawn.isOdd ? drawn : drawn.adding(1)
        for count in [1, 2, 31, 32, 33, 70] {
            let bases = (0..<count).map { _ in BigUInt.random(bits: 320, using: random) }
            var exponents = (0..<count).map { _ in BigUInt.random(bits: 128, using: random) }
            exponents[0] = BigUInt(0)
            var expected = BigUInt(1)
            for (base, exponent) in zip(bases, exponents) {
                expected = expected.multiplied(by: base.power(exponent, modulo: modulus), modulo: modulus)
            }
            #expect(MultiExponentiation.product(bases: bases, exponents: exponents, modulus: modulus, threads: 2) == expected, "count \(count)")
        }
    }
}
