/// The trusted dealer of a t-of-l threshold Paillier key (Shoup / Damgard-Jurik style).
///
/// With safe primes p = 2p' + 1, q = 2q' + 1, n = p q and m = p' q': d = 0 mod m and 1 mod n;
/// f(X) = d + a_1 X + ... + a_{t-1} X^{t-1} with random a_k in [0, n m); s_i = f(i) mod n m;
/// Delta = l!; v a random square generating the squares of Z*_{n^2}; v_i = v^(Delta s_i).
/// The dealer is trusted once and must erase its secrets: every secret here is a `BigUInt`
/// whose memory is zeroed when this function returns.
public enum ThresholdDealer {
    /// Generates a fresh safe-prime Paillier key (the two prime searches run in parallel) and
    /// deals it to `parties` parties with threshold `threshold`.
    public static func deal(modulusBits: Int = PaillierParameters.defaultModulusBits, parties: Int, threshold: Int,
                            using source: some RandomSource = SystemRandom()) throws -> ThresholdDealing {
        try ThresholdPublicKey.validate(partyCount: parties, threshold: threshold)
        try PaillierParameters.validate(modulusBits: modulusBits)
        let key = try PaillierKeyGenerator.generate(modulusBits: modulusBits, safePrimes: true, using: source)
        let (p, q) = key.factors
        return try deal(p: p, q: q, publicKey: key.publicKey, parties: parties, threshold: threshold, using: source)
    }

    /// Deals from given safe primes. `coefficients` and `verificationBase` fix the polynomial
    /// (a_1 ... a_{t-1}) and v for known-answer tests; normally both are drawn at random.
    static func deal(p: BigUInt, q: BigUInt, publicKey: PaillierPublicKey, parties: Int, threshold: Int,
                     coefficients fixedCoefficients: [BigUInt]? = nil, verificationBase fixedBase: BigUInt? = nil,
                     using source: some RandomSource) throws -> ThresholdDealing {
        try ThresholdPublicKey.validate(partyCount: parties, threshold: threshold)
        let n = publicKey.n, nSquared = publicKey.nSquared
        guard p * q == n, p.isOdd, q.isOdd, p != q else {
            throw ApiaryError(.invalidArgument, "the dealer's primes do not multiply to the public modulus")
        }
        let pPrime = p >> 1, qPrime = q >> 1
        guard pPrime.isProbablePrime(), qPrime.isProbablePrime() else {
            throw ApiaryError(.invalidArgument, "threshold Paillier needs safe primes p = 2p'+1 and q = 2q'+1")
        }
        let m = pPrime * qPrime
        let nm = n * m
        guard let mInverse = m.inverse(modulo: n) else {
            throw ApiaryError(.invalidArgument, "m = p'q' is not invertible modulo n")
        }
        // d = m (m^-1 mod n): d = 0 mod m and d = 1 mod n, and d < n m.
        let d = m * mInverse
        let coefficients = fixedCoefficients ?? (1..<threshold).map { _ in BigUInt.random(below: nm, using: source) }
        guard coefficients.count == threshold - 1, coefficients.allSatisfy({ $0 < nm }) else {
            throw ApiaryError(.invalidArgument, "a degree-\(threshold - 1) polynomial needs \(threshold - 1) coefficients below n m")
        }
        let v = try fixedBase ?? randomGenerator(n: n, nSquared: nSquared, factors: [p, q, pPrime, qPrime], order: nm, using: source)
        let delta = BigUInt.factorial(parties)
        var secrets: [BigUInt] = []
        for party in 1...parties {
            // Horner's rule for f(party) mod n m.
            var value = BigUInt()
            for coefficient in ([d] + coefficients).reversed() {
                value = (value.multiplied(by: UInt64(party)) + coefficient) % nm
            }
            guard !value.isZero else {
                throw ApiaryError(.cryptoFailure, "dealing produced a zero share (probability 2^-|nm|); deal again")
            }
            secrets.append(value)
        }
        let verificationKeys = secrets.map { v.powerSecret(delta * $0, modulo: nSquared) }
        let joint = try ThresholdPublicKey(paillier: publicKey, partyCount: parties, threshold: threshold,
                                           verificationBase: v, verificationKeys: verificationKeys)
        let shares = try secrets.enumerated().map { index, secret in
            try ThresholdKeyShare(publicKey: joint, partyId: index + 1, secret: secret)
        }
        return ThresholdDealing(publicKey: joint, shares: shares)
    }

    /// A random square mod n^2 that generates the squares of Z*_{n^2} (cyclic of order n p' q'
    /// for safe primes): v^(order / f) != 1 for each prime factor f of the order.
    static func randomGenerator(n: BigUInt, nSquared: BigUInt, factors: [BigUInt], order: BigUInt,
                                using source: some RandomSource) throws -> BigUInt {
        let one = BigUInt(1)
        for _ in 0..<64 {
            let r = BigUInt.randomUnit(modulo: nSquared, using: source)
            let v = r.multiplied(by: r, modulo: nSquared)
            if factors.allSatisfy({ v.power(order.dividedExactly(by: $0), modulo: nSquared) != one }) { return v }
        }
        throw ApiaryError(.cryptoFailure, "no generator of the squares found in 64 draws; the randomness source is broken")
    }
}
