internal import CGMP

/// Reference operations written directly against GMP, with no Apiary layering, so benchmarks
/// can report Apiary's speed as a ratio to what the library itself allows in the same run.
public enum GMPReference {
    /// Plain Paillier encryption core: r^n mod n^2 with `mpz_powm`.
    public static func powmRn(r: BigUInt, n: BigUInt, nSquared: BigUInt) -> BigUInt {
        BigUInt.make { __gmpz_powm($0, r.mpz, n.mpz, nSquared.mpz) }
    }

    /// Textbook CRT decryption with `mpz_powm` (variable time) and precomputed constants.
    public struct CRTDecryptor: Sendable {
        let p, q, pSquared, qSquared, pMinusOne, qMinusOne, hp, hq, qInverse: BigUInt

        public init(p: BigUInt, q: BigUInt) {
            self.p = p; self.q = q
            pSquared = p.squared; qSquared = q.squared
            pMinusOne = p.subtracting(1); qMinusOne = q.subtracting(1)
            let g = (p * q).adding(1)
            hp = ((g.power(pMinusOne, modulo: pSquared).subtracting(1)) / p).inverse(modulo: p)!
            hq = ((g.power(qMinusOne, modulo: qSquared).subtracting(1)) / q).inverse(modulo: q)!
            qInverse = q.inverse(modulo: p)!
        }

        /// Decrypts with plain GMP calls on raw integers.
        public func decrypt(_ c: BigUInt) -> BigUInt {
            BigUInt.make { out in
                let scratch = MPZScratch(count: 3)
                let t = scratch[0], mp = scratch[1], mq = scratch[2]
                // m mod r = L(c^(r-1) mod r^2) * h_r mod r, for r = p and r = q.
                func half(_ m: UnsafeMutablePointer<__mpz_struct>, _ r: BigUInt, _ rSquared: BigUInt, _ rMinusOne: BigUInt, _ h: BigUInt) {
                    __gmpz_mod(t, c.mpz, rSquared.mpz)
                    __gmpz_powm(t, t, rMinusOne.mpz, rSquared.mpz)
                    __gmpz_sub_ui(t, t, 1)
                    __gmpz_divexact(t, t, r.mpz)
                    __gmpz_mul(t, t, h.mpz)
                    __gmpz_mod(m, t, r.mpz)
                }
                half(mp, p, pSquared, pMinusOne, hp)
                half(mq, q, qSquared, qMinusOne, hq)
                __gmpz_sub(t, mp, mq)
                __gmpz_mul(t, t, qInverse.mpz)
                __gmpz_mod(t, t, p.mpz)
                __gmpz_mul(t, t, q.mpz)
                __gmpz_add(out, t, mq)
            }
        }
    }

    /// Ciphertext addition core: multiply then reduce mod n^2.
    public static func mulmod(_ a: BigUInt, _ b: BigUInt, modulus: BigUInt) -> BigUInt {
        BigUInt.make {
            __gmpz_mul($0, a.mpz, b.mpz)
            __gmpz_mod($0, $0, modulus.mpz)
        }
    }

    /// The reference for a threshold partial decryption: `mpz_powm` (variable time) of a
    /// ciphertext to an exponent as long as 2 Delta s_i, modulo n^2.
    public static func powmDecryptionShare(ciphertext: BigUInt, exponent: BigUInt, nSquared: BigUInt) -> BigUInt {
        BigUInt.make { __gmpz_powm($0, ciphertext.mpz, exponent.mpz, nSquared.mpz) }
    }

    /// Plain `mpz_powm`, for exponentiation references.
    public static func powm(_ base: BigUInt, _ exponent: BigUInt, modulus: BigUInt) -> BigUInt {
        BigUInt.make { __gmpz_powm($0, base.mpz, exponent.mpz, modulus.mpz) }
    }
}

extension PaillierPrivateKey {
    /// A reference decryptor over the same primes (benchmarks only).
    public var referenceDecryptor: GMPReference.CRTDecryptor { GMPReference.CRTDecryptor(p: p, q: q) }
}
