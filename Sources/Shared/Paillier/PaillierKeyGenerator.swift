import Dispatch
import Foundation

/// Generates Paillier key pairs: two primes of |n|/2 bits each with the two top bits set (so
/// |n| is exact), and the DJN base h_s = (-x^2)^n mod n^2 for a random unit x.
public enum PaillierKeyGenerator {
    /// A fresh key pair. With `safePrimes`, p and q are safe primes (p = 2p'+1), as the
    /// threshold scheme needs; the two searches then run in parallel.
    public static func generate(modulusBits: Int = PaillierParameters.defaultModulusBits,
                                safePrimes: Bool = false,
                                using source: some RandomSource = SystemRandom()) throws -> PaillierPrivateKey {
        try PaillierParameters.validate(modulusBits: modulusBits)
        let primeBits = modulusBits / 2
        while true {
            let (p, q) = safePrimes ? parallelSafePrimes(bits: primeBits, source: source)
                : (BigUInt.randomPrime(bits: primeBits, using: source), BigUInt.randomPrime(bits: primeBits, using: source))
            guard p != q else { continue }
            let n = p * q
            guard n.bitWidth == modulusBits, n.gcd((p.subtracting(1)) * (q.subtracting(1))) == BigUInt(1) else { continue }
            let hs = makeHs(n: n, using: source)
            let publicKey = try PaillierPublicKey(n: n, hs: hs)
            return try PaillierPrivateKey(p: p, q: q, publicKey: publicKey)
        }
    }

    /// h_s = (-x^2 mod n)^n mod n^2 for a uniformly random unit x of Z*_n.
    public static func makeHs(n: BigUInt, using source: some RandomSource = SystemRandom()) -> BigUInt {
        let x = BigUInt.randomUnit(modulo: n, using: source)
        let square = x.multiplied(by: x, modulo: n)
        let negated = n - square
        return negated.power(n, modulo: n.squared)
    }

    /// Two safe primes found concurrently, one per core.
    static func parallelSafePrimes(bits: Int, source: some RandomSource) -> (BigUInt, BigUInt) {
        let primes = ParallelMap.map(2, threads: 2) { _ in
            // Each search draws from OpenSSL (thread-safe); a seeded source is shared under its lock.
            BigUInt.randomSafePrime(bits: bits, using: source)!
        }
        return (primes[0], primes[1])
    }
}
