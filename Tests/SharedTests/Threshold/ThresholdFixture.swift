@testable import Shared

/// Keys shared by the threshold suites: safe-prime generation is the slow part, so it runs once.
enum ThresholdFixture {
    /// A 512-bit safe-prime Paillier key (256-bit safe primes: fast, and for tests only).
    static let paillierKey: PaillierPrivateKey = try! PaillierKeyGenerator.generate(modulusBits: 512, safePrimes: true, using: SeededRandom(seed: 3))

    /// A 3-of-5 dealing of `paillierKey`.
    static let dealing: ThresholdDealing = redeal(seed: 4)

    /// The same Paillier key dealt again (another polynomial and v): "another key" for shares.
    static let otherDealing: ThresholdDealing = redeal(seed: 5)

    static func redeal(seed: UInt64, parties: Int = 5, threshold: Int = 3) -> ThresholdDealing {
        let (p, q) = paillierKey.factors
        return try! ThresholdDealer.deal(p: p, q: q, publicKey: paillierKey.publicKey, parties: parties, threshold: threshold,
                                         using: SeededRandom(seed: seed))
    }

    static func context(_ round: String = "round-1", _ tag: UInt8 = 1) -> DecryptionContext {
        try! DecryptionContext(roundId: round, aggregateHash: SHA256.hash([tag]))
    }

    /// Encryptions of `plaintexts` under the fixture key (seeded randomness).
    static func encrypt(_ plaintexts: [BigUInt], seed: UInt64 = 9) -> [PaillierCiphertext] {
        let random = SeededRandom(seed: seed)
        return plaintexts.map { try! dealing.publicKey.paillier.encrypt($0, using: random) }
    }
}
