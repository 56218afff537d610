import Foundation

/// A running homomorphic sum of ciphertext vectors: the element-wise product mod n^2.
///
/// Memory holds one vector whatever the number of contributions (streaming aggregation);
/// each `add` multiplies in place, spread over cores for long vectors. Multiplication mod n^2 is
/// associative and commutative and needs no key, so partial accumulators (per shard or per
/// group of agents) combine with `add(_ other:)` into the same result.
public struct CiphertextAccumulator: Sendable {
    public let publicKey: PaillierPublicKey
    public let count: Int
    public private(set) var contributions = 0
    private var product: [BigUInt]

    /// An empty sum (every element Enc(0) with randomness 1, i.e. the residue 1).
    public init(publicKey: PaillierPublicKey, count: Int) {
        self.publicKey = publicKey
        self.count = count
        product = Array(repeating: BigUInt(1), count: count)
    }

    /// Multiplies one contribution into the sum; the vector must have `count` elements.
    public mutating func add(_ ciphertexts: [PaillierCiphertext], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard ciphertexts.count == count else {
            throw ApiaryError(.invalidArgument, "contribution has \(ciphertexts.count) ciphertexts, the sum has \(count)")
        }
        let modulus = publicKey.nSquared
        let current = product
        product = ParallelMap.map(count, threads: count >= 64 ? threads : 1) { index in
            current[index].multiplied(by: ciphertexts[index].value, modulo: modulus)
        }
        contributions += 1
    }

    /// Adds another partial sum over the same key and length.
    public mutating func add(_ other: CiphertextAccumulator) throws {
        guard other.publicKey == publicKey else { throw ApiaryError(.invalidArgument, "partial sums under different keys") }
        try add(other.ciphertexts)
        contributions += other.contributions - 1
    }

    /// The current sum.
    public var ciphertexts: [PaillierCiphertext] { product.map { PaillierCiphertext(unchecked: $0) } }

    /// The sum in the ciphertext-vector binary format (see docs/paillier.md).
    public var encoded: [UInt8] { PaillierKeyCodec.encode(ciphertexts, key: publicKey) }

    /// SHA-256 of `encoded`, hex: the aggregate hash that proofs, tasks and the ledger name.
    public var hash: String { SHA256.hash(encoded).hexString }
}
