import Testing
@testable import Shared

@Suite("Streaming ciphertext accumulator")
struct CiphertextAccumulatorTests {
    @Test("the running product decrypts to the exact sum, and shards combine to the same result")
    func sumsAndShards() throws {
        let key = testPaillierKey
        let random = SeededRandom(seed: 41)
        let count = 70
        var whole = CiphertextAccumulator(publicKey: key.publicKey, count: count)
        var shardA = CiphertextAccumulator(publicKey: key.publicKey, count: count)
        var shardB = CiphertextAccumulator(publicKey: key.publicKey, count: count)
        var expected = [UInt64](repeating: 0, count: count)
        for party in 0..<6 {
            let values = (0..<count).map { _ in random.uniform(below: 1 << 40) }
            for i in 0..<count { expected[i] += values[i] }
            let ciphertexts = try values.map { try key.publicKey.encrypt(BigUInt($0), using: random) }
            try whole.add(ciphertexts, threads: 2)
            if party % 2 == 0 { try shardA.add(ciphertexts) } else { try shardB.add(ciphertexts) }
        }
        #expect(whole.contributions == 6)
        #expect(key.decrypt(whole.ciphertexts, threads: 2) == expected.map { BigUInt($0) })
        try shardA.add(shardB)
        #expect(shardA.hash == whole.hash)
        #expect(shardA.contributions == 6)
        #expect(throws: ApiaryError.self) { try whole.add(Array(whole.ciphertexts.prefix(3))) }
    }
}
