import Testing
@testable import Shared

@Suite("Threshold decryption")
struct ThresholdDecryptionTests {
    let dealing = ThresholdFixture.dealing
    var key: ThresholdPublicKey { dealing.publicKey }

    func plaintexts(_ count: Int, seed: UInt64 = 21) -> [BigUInt] {
        let random = SeededRandom(seed: seed)
        return (0..<count).map { _ in BigUInt.random(below: key.paillier.n, using: random) }
    }

    func partials(_ parties: [Int], _ ciphertexts: [PaillierCiphertext], _ context: DecryptionContext) throws -> [PartialDecryption] {
        try parties.map { try dealing.shares[$0 - 1].partiallyDecrypt(ciphertexts, context: context, threads: 2, using: SeededRandom(seed: UInt64($0))) }
    }

    @Test("every 3-subset of a 3-of-5 key decrypts a vector correctly and records the parties used")
    func everySubsetDecrypts() throws {
        let values = plaintexts(5)
        let ciphertexts = ThresholdFixture.encrypt(values)
        let context = ThresholdFixture.context()
        let all = try partials([1, 2, 3, 4, 5], ciphertexts, context)
        var subsets = 0
        for a in 1..<6 { for b in (a + 1)..<6 { for c in (b + 1)..<6 {
            let chosen = [all[c - 1], all[a - 1], all[b - 1]]  // order must not matter
            let verified = try chosen.map { try key.verify($0, of: ciphertexts, context: context) }
            let result = try key.combine(verified)
            #expect(result.plaintexts == values, "subset \([a, b, c])")
            #expect(result.partyIds == [a, b, c])
            #expect(result.parties.allSatisfy { $0.digest.count == 32 })
            subsets += 1
        } } }
        #expect(subsets == 10)
        // More than t: the t lowest party ids are used.
        let result = try key.decrypt([all[4], all[3], all[1], all[0]], of: ciphertexts, context: context)
        #expect(result.plaintexts == values)
        #expect(result.partyIds == [1, 2, 4])
        #expect(result.rejected.isEmpty)
    }

    @Test("t - 1 valid shares fail with a clear error")
    func tooFewShares() throws {
        let ciphertexts = ThresholdFixture.encrypt(plaintexts(2))
        let context = ThresholdFixture.context()
        let two = try partials([2, 5], ciphertexts, context)
        let error = try #require(throws: ApiaryError.self) { try key.decrypt(two, of: ciphertexts, context: context) }
        #expect(error.code == .verificationFailed)
        #expect(error.reason.contains("need 3 valid partial decryptions to decrypt, have 2"))
        let verified = try two.map { try key.verify($0, of: ciphertexts, context: context) }
        #expect(throws: ApiaryError.self) { try key.combine(verified) }
    }

    @Test("a wrong share, a share for another ciphertext, a replayed proof and a tampered verification key are rejected")
    func forgeriesAreRejected() throws {
        let values = plaintexts(3)
        let ciphertexts = ThresholdFixture.encrypt(values)
        let context = ThresholdFixture.context()
        let honest = try partials([1, 2, 3, 4], ciphertexts, context)
        let modulus = key.paillier.nSquared

        // A wrong share: party 2's first share multiplied by a square (it no longer is c^(2 Delta s_2)).
        var shares = honest[1].shares
        shares[0] = shares[0].multiplied(by: BigUInt(9), modulo: modulus)
        let wrong = PartialDecryption(partyId: 2, shares: shares, proof: honest[1].proof)
        #expect(throws: ApiaryError.self) { try key.verify(wrong, of: ciphertexts, context: context) }
        // Another party's (valid) share under party 2's name.
        let impostor = PartialDecryption(partyId: 2, shares: honest[2].shares, proof: honest[2].proof)
        #expect(throws: ApiaryError.self) { try key.verify(impostor, of: ciphertexts, context: context) }

        // Shares computed for other ciphertexts, offered for these.
        let others = ThresholdFixture.encrypt(plaintexts(3, seed: 99), seed: 77)
        let forOthers = try partials([2], others, context)[0]
        let otherError = try #require(throws: ApiaryError.self) { try key.verify(forOthers, of: ciphertexts, context: context) }
        #expect(otherError.code == .verificationFailed)

        // A valid proof replayed under another round or another aggregate hash.
        for replayed in [ThresholdFixture.context("round-2", 1), ThresholdFixture.context("round-1", 2)] {
            #expect(throws: ApiaryError.self) { try key.verify(honest[1], of: ciphertexts, context: replayed) }
        }

        // A tampered verification key v_2 (replaced by v_3): party 2's honest proof fails.
        var tamperedKeys = key.verificationKeys
        tamperedKeys[1] = tamperedKeys[2]
        let tampered = try ThresholdPublicKey(paillier: key.paillier, partyCount: 5, threshold: 3,
                                              verificationBase: key.verificationBase, verificationKeys: tamperedKeys)
        #expect(throws: ApiaryError.self) { try tampered.verify(honest[1], of: ciphertexts, context: context) }
        #expect(throws: ApiaryError.self) { try ThresholdKeyShare(publicKey: tampered, partyId: 2, secret: dealing.shares[1].secret) }

        // With the wrong one among them, decryption still succeeds from the honest ones and says why.
        let result = try key.decrypt([honest[0], wrong, honest[2], honest[3]], of: ciphertexts, context: context)
        #expect(result.plaintexts == values)
        #expect(result.partyIds == [1, 3, 4])
        #expect(result.rejected.map(\.partyId) == [2])
        #expect(result.rejected[0].reason.contains("does not verify"))
    }

    @Test("a batched proof over 40 ciphertexts rejects any single wrong element")
    func batchRejectsOneWrongElement() throws {
        let ciphertexts = ThresholdFixture.encrypt(plaintexts(40))
        let context = ThresholdFixture.context()
        let honest = try partials([4], ciphertexts, context)[0]
        _ = try key.verify(honest, of: ciphertexts, context: context)
        let modulus = key.paillier.nSquared
        for index in [0, 17, 39] {
            var shares = honest.shares
            // share^2 instead of share: a valid-looking residue with the wrong exponent.
            shares[index] = shares[index].multiplied(by: shares[index], modulo: modulus)
            let forged = PartialDecryption(partyId: 4, shares: shares, proof: honest.proof)
            #expect(throws: ApiaryError.self, "element \(index)") { try key.verify(forged, of: ciphertexts, context: context) }
        }
        // Swapping two shares is also caught (the weights depend on the position).
        var swapped = honest.shares
        swapped.swapAt(3, 4)
        #expect(throws: ApiaryError.self) { try key.verify(PartialDecryption(partyId: 4, shares: swapped, proof: honest.proof), of: ciphertexts, context: context) }
        // A proof re-derived by a cheater for a wrong share still fails: without s_4 it cannot
        // produce a response, so reuse of the honest response under new weights must fail.
        let fewer = PartialDecryption(partyId: 4, shares: Array(honest.shares.dropLast()), proof: honest.proof)
        #expect(throws: ApiaryError.self) { try key.verify(fewer, of: ciphertexts, context: context) }
    }

    @Test("duplicate party ids are refused by combine and reported by decrypt")
    func duplicateParties() throws {
        let values = plaintexts(1)
        let ciphertexts = ThresholdFixture.encrypt(values)
        let context = ThresholdFixture.context()
        let honest = try partials([1, 2, 3], ciphertexts, context)
        let verified = try honest.map { try key.verify($0, of: ciphertexts, context: context) }
        let error = try #require(throws: ApiaryError.self) { try key.combine([verified[0], verified[1], verified[1]]) }
        #expect(error.reason.contains("party 2 contributed two partial decryptions"))
        let duplicateOnly = try #require(throws: ApiaryError.self) {
            try key.decrypt([honest[0], honest[1], honest[1]], of: ciphertexts, context: context)
        }
        #expect(duplicateOnly.reason.contains("duplicate partial decryption from party 2"))
        // Partials verified for different contexts are never mixed.
        let otherContext = ThresholdFixture.context("round-9")
        let other = try key.verify(try partials([3], ciphertexts, otherContext)[0], of: ciphertexts, context: otherContext)
        #expect(throws: ApiaryError.self) { try key.combine([verified[0], verified[1], other]) }
    }

    @Test("dealing refuses t > l, t < 1 and an oversized committee")
    func dealingParameters() throws {
        let tooHigh = try #require(throws: ApiaryError.self) { try ThresholdDealer.deal(modulusBits: 512, parties: 3, threshold: 4) }
        #expect(tooHigh.reason.contains("exceeds the number of parties"))
        let zero = try #require(throws: ApiaryError.self) { try ThresholdDealer.deal(modulusBits: 512, parties: 3, threshold: 0) }
        #expect(zero.reason.contains("at least 1"))
        #expect(throws: ApiaryError.self) { try ThresholdDealer.deal(modulusBits: 512, parties: 65, threshold: 2) }
        #expect(throws: ApiaryError.self) { try ThresholdDealer.deal(modulusBits: 768, parties: 3, threshold: 2) }
    }

    @Test("partial decryption refuses ciphertexts that are not units of this key")
    func invalidCiphertexts() throws {
        let context = ThresholdFixture.context()
        let outside = PaillierCiphertext(unchecked: key.paillier.nSquared.adding(5))
        #expect(throws: ApiaryError.self) { try dealing.shares[0].partiallyDecrypt([outside], context: context) }
        #expect(throws: ApiaryError.self) { try dealing.shares[0].partiallyDecrypt([], context: context) }
        #expect(throws: ApiaryError.self) { try DecryptionContext(roundId: "", aggregateHash: SHA256.hash([1])) }
        #expect(throws: ApiaryError.self) { try DecryptionContext(roundId: "r", aggregateHash: [1, 2, 3]) }
    }
}
