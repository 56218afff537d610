/// A non-interactive proof that two discrete logarithms in Z*_{n^2} are equal, in the style of
/// Shoup (2000): log_C(D) = log_v(v_i), made non-interactive with Fiat-Shamir.
///
/// Prover (knows x with D = C^x and v_i = v^x): random r, a = C^r, b = v^r,
/// e = H(transcript, C, D, a, b), z = r + e x over the integers.
/// Verifier: a' = C^z D^-e, b' = v^z v_i^-e, accept iff H(transcript, C, D, a', b') = e.
/// The exact hash encoding is in `ThresholdTranscript` and docs/threshold.md.
public struct EqualLogProof: Sendable, Equatable, Hashable {
    /// The challenge e: a 256-bit SHA-256 output read as a big-endian integer.
    public let challenge: BigUInt
    /// The response z = r + e x.
    public let response: BigUInt

    /// A proof from its two integers (as decoded from the wire; verification checks them).
    public init(challenge: BigUInt, response: BigUInt) {
        self.challenge = challenge
        self.response = response
    }

    /// Bits of the challenge (one SHA-256 output).
    static let challengeBits = 256
    /// Statistical hiding margin: r exceeds e x by this many bits, so z reveals about x only
    /// a 2^-128 fraction of information.
    static let hidingBits = 128

    /// Bits of the prover's random r for a key: |n^2| + |Delta| + 256 + 128, so that r is
    /// 2^128 times larger than any e x (x = Delta s_i < Delta n^2).
    static func randomnessBits(modulusBits: Int, delta: BigUInt) -> Int {
        2 * modulusBits + delta.bitWidth + challengeBits + hidingBits
    }

    /// Largest response a proof may carry: z <= r + e x < 2^(randomnessBits + 1).
    static func responseBits(modulusBits: Int, delta: BigUInt) -> Int {
        randomnessBits(modulusBits: modulusBits, delta: delta) + 1
    }

    /// Proves log_C(D) = log_v(v_i) = `exponent` (secret). The two commitments are computed with
    /// constant-time exponentiation because r masks the secret: knowing r would reveal x.
    static func prove(exponent: BigUInt, c: BigUInt, v: BigUInt, exponentiator: ConstantTimeExponentiator,
                      randomnessBits: Int, threads: Int, source: some RandomSource,
                      challenge: (_ a: BigUInt, _ b: BigUInt) -> BigUInt) -> EqualLogProof {
        let r = BigUInt.random(bits: randomnessBits, using: source)
        let secretR = OpenSSLBigNumber(r, secret: true)
        let commitments = ParallelMap.map(2, threads: min(threads, 2)) { index in
            exponentiator.power(index == 0 ? c : v, secretR)
        }
        let e = challenge(commitments[0], commitments[1])
        return EqualLogProof(challenge: e, response: r + e * exponent)
    }

    /// The commitments (a', b') a verifier recomputes from the proof: a' = C^z D^-e and
    /// b' = v^z v_i^-e mod n^2. `nil` when D or v_i is not invertible (not a unit, so no
    /// honest prover could have produced it).
    func recomputedCommitments(c: BigUInt, d: BigUInt, v: BigUInt, vi: BigUInt, modulus: BigUInt) -> (a: BigUInt, b: BigUInt)? {
        guard let dInverse = d.power(challenge, modulo: modulus).inverse(modulo: modulus),
              let viInverse = vi.power(challenge, modulo: modulus).inverse(modulo: modulus) else { return nil }
        let a = c.power(response, modulo: modulus).multiplied(by: dInverse, modulo: modulus)
        let b = v.power(response, modulo: modulus).multiplied(by: viInverse, modulo: modulus)
        return (a, b)
    }
}
