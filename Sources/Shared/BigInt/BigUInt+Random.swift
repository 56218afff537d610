internal import CGMP

extension BigUInt {
    /// A uniformly random value of at most `bits` bits.
    public static func random(bits: Int, using source: some RandomSource = SystemRandom()) -> BigUInt {
        precondition(bits >= 0)
        guard bits > 0 else { return BigUInt() }
        var bytes = source.bytes((bits + 7) / 8)
        let excess = bytes.count * 8 - bits
        bytes[0] &= UInt8(0xFF >> excess)
        defer { wipe(&bytes) }
        return BigUInt(bigEndian: bytes)
    }

    /// A uniformly random value in [0, bound), by rejection sampling (expected < 2 draws).
    public static func random(below bound: BigUInt, using source: some RandomSource = SystemRandom()) -> BigUInt {
        precondition(!bound.isZero, "empty range")
        let bits = bound.bitWidth
        while true {
            let candidate = random(bits: bits, using: source)
            if candidate < bound { return candidate }
        }
    }

    /// A uniformly random unit of Z*_modulus (in [1, modulus) and coprime to it).
    public static func randomUnit(modulo modulus: BigUInt, using source: some RandomSource = SystemRandom()) -> BigUInt {
        let one = BigUInt(1)
        while true {
            let candidate = random(below: modulus, using: source)
            if !candidate.isZero, candidate.gcd(modulus) == one { return candidate }
        }
    }

    /// A random prime of exactly `bits` bits whose two top bits are set, so the product of
    /// two such primes has exactly `2 * bits` bits.
    public static func randomPrime(bits: Int, using source: some RandomSource = SystemRandom()) -> BigUInt {
        precondition(bits >= 16, "prime too small")
        while true {
            var candidate = random(bits: bits, using: source)
            candidate.withMutableMPZ { z in
                __gmpz_setbit(z, UInt(bits - 1))
                __gmpz_setbit(z, UInt(bits - 2))
                __gmpz_setbit(z, 0)
            }
            if let prime = PrimeSieve.searchPrime(from: candidate, bits: bits, safe: false, cancelled: { false }) {
                return prime
            }
        }
    }

    /// A random safe prime p = 2p' + 1 (p' prime) of exactly `bits` bits with the two top
    /// bits set. Searches with a sieve that removes candidates where p' or p has a small factor.
    public static func randomSafePrime(bits: Int, using source: some RandomSource = SystemRandom(),
                                       cancelled: @escaping @Sendable () -> Bool = { false }) -> BigUInt? {
        precondition(bits >= 16, "prime too small")
        while !cancelled() {
            // Search over p' of bits-1 bits with top two bits set, so p = 2p'+1 has them too.
            var start = random(bits: bits - 1, using: source)
            start.withMutableMPZ { z in
                __gmpz_setbit(z, UInt(bits - 2))
                __gmpz_setbit(z, UInt(bits - 3))
                __gmpz_setbit(z, 0)
            }
            if let sophieGermain = PrimeSieve.searchPrime(from: start, bits: bits - 1, safe: true, cancelled: cancelled) {
                return (sophieGermain << 1).adding(1)
            }
        }
        return nil
    }

    /// Zeroes a byte array holding secret material.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { GMPMemory.explicitBzero(base, raw.count) }
        }
    }
}

/// Sieve-based prime search shared by `randomPrime` and `randomSafePrime`.
enum PrimeSieve {
    /// Odd primes below 2^16, used to discard candidates before any modular exponentiation.
    static let smallPrimes: [UInt32] = {
        let limit = 1 << 16
        var composite = [Bool](repeating: false, count: limit)
        var primes: [UInt32] = []
        var i = 3
        while i < limit {
            if !composite[i] {
                primes.append(UInt32(i))
                var j = i * i
                while j < limit { composite[j] = true; j += 2 * i }
            }
            i += 2
        }
        return primes
    }()

    static let window = 1 << 14

    /// Searches odd candidates start, start+2, ... within one sieve window for a prime (or, with
    /// `safe`, a Sophie Germain prime q with 2q+1 prime). Returns nil if the window is exhausted
    /// or the candidate grows past `bits` bits.
    static func searchPrime(from start: BigUInt, bits: Int, safe: Bool, cancelled: () -> Bool) -> BigUInt? {
        var alive = [Bool](repeating: true, count: window)
        for prime in smallPrimes {
            let p = UInt64(prime)
            if BigUInt(p) >= start { continue }
            let residue = start.remainder(dividingBy: p)
            // candidate_k = start + 2k. Strike k where candidate_k ≡ 0 (mod p), and with `safe`
            // also where 2*candidate_k + 1 ≡ 0, i.e. candidate_k ≡ (p-1)/2 (mod p).
            let inverseOfTwo = (p + 1) / 2
            func strike(target: UInt64) {
                var k = Int(((target + p - residue) % p) * inverseOfTwo % p)
                while k < window { alive[k] = false; k += Int(p) }
            }
            strike(target: 0)
            if safe { strike(target: (p - 1) / 2) }
        }
        for k in 0..<window where alive[k] {
            if k & 63 == 0, cancelled() { return nil }
            let candidate = start.adding(UInt64(2 * k))
            guard candidate.bitWidth == bits else { return nil }
            guard candidate.passesFermatBase2() else { continue }
            if safe {
                let doubled = (candidate << 1).adding(1)
                guard doubled.passesFermatBase2() else { continue }
                guard candidate.isProbablePrime(), doubled.isProbablePrime() else { continue }
            } else {
                guard candidate.isProbablePrime() else { continue }
            }
            return candidate
        }
        return nil
    }
}
