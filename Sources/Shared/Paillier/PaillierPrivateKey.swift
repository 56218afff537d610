import Foundation
internal import CGMP

/// A Paillier private key (p, q) with the CRT constants for fast decryption.
///
/// Decryption: m_p = L_p(c^(p-1) mod p^2) * h_p mod p, the same mod q, then CRT, where
/// L_p(x) = (x - 1) / p and h_p = L_p((n+1)^(p-1) mod p^2)^-1 mod p. The exponents p-1 and
/// q-1 are secret, so the exponentiations are constant-time (OpenSSL's Montgomery ladder
/// `BN_mod_exp_mont_consttime`). All secret
/// integers are wiped when the key is released (GMP allocations are zeroed on free).
public struct PaillierPrivateKey: Sendable {
    /// The matching public key.
    public let publicKey: PaillierPublicKey
    let p: BigUInt
    let q: BigUInt
    private let pSquared: BigUInt
    private let qSquared: BigUInt
    private let pMinusOne: BigUInt
    private let qMinusOne: BigUInt
    private let hp: BigUInt
    private let hq: BigUInt
    private let qInverseModP: BigUInt
    /// Montgomery contexts for p^2 and q^2 and the secret exponents in OpenSSL's form, made once.
    private let exponentiatorP: ConstantTimeExponentiator
    private let exponentiatorQ: ConstantTimeExponentiator
    private let secretExponentP: OpenSSLBigNumber
    private let secretExponentQ: OpenSSLBigNumber

    /// Builds a private key from its primes and the public key they belong to.
    public init(p: BigUInt, q: BigUInt, publicKey: PaillierPublicKey) throws {
        guard p * q == publicKey.n else {
            throw ApiaryError(.invalidArgument, "the primes do not multiply to the public modulus")
        }
        guard p != q, p.isProbablePrime(rounds: 30), q.isProbablePrime(rounds: 30) else {
            throw ApiaryError(.invalidArgument, "the private key's factors are not two distinct primes")
        }
        self.publicKey = publicKey
        self.p = p
        self.q = q
        pSquared = p.squared
        qSquared = q.squared
        pMinusOne = p.subtracting(1)
        qMinusOne = q.subtracting(1)
        let g = publicKey.n.adding(1)
        func h(_ prime: BigUInt, _ primeSquared: BigUInt, _ exponent: BigUInt) throws -> BigUInt {
            let lifted = g.power(exponent, modulo: primeSquared)
            let l = lifted.subtracting(1) / prime
            guard let inverse = l.inverse(modulo: prime) else {
                throw ApiaryError(.invalidArgument, "the private key is inconsistent (L_p has no inverse)")
            }
            return inverse
        }
        hp = try h(p, pSquared, pMinusOne)
        hq = try h(q, qSquared, qMinusOne)
        guard let inverse = q.inverse(modulo: p) else {
            throw ApiaryError(.invalidArgument, "the private key's primes are not coprime")
        }
        qInverseModP = inverse
        exponentiatorP = ConstantTimeExponentiator(modulus: pSquared)
        exponentiatorQ = ConstantTimeExponentiator(modulus: qSquared)
        secretExponentP = OpenSSLBigNumber(pMinusOne, secret: true)
        secretExponentQ = OpenSSLBigNumber(qMinusOne, secret: true)
    }

    /// The secret primes (p, q), for serialisation and dealing key shares. Handle as secret.
    public var factors: (p: BigUInt, q: BigUInt) { (p, q) }

    /// Decrypts a ciphertext of this key to its plaintext in [0, n).
    public func decrypt(_ ciphertext: PaillierCiphertext) -> BigUInt {
        let mp = half(ciphertext.value, prime: p, primeSquared: pSquared, exponentiator: exponentiatorP, exponent: secretExponentP, h: hp)
        let mq = half(ciphertext.value, prime: q, primeSquared: qSquared, exponentiator: exponentiatorQ, exponent: secretExponentQ, h: hq)
        // CRT (Garner): m = mq + q * ((mp - mq) * q^-1 mod p).
        let difference = mp >= mq ? (mp - mq) : (p - ((mq - mp) % p))
        let u = difference.multiplied(by: qInverseModP, modulo: p)
        return mq + q * u
    }

    /// Decrypts many ciphertexts on up to `threads` cores.
    public func decrypt(_ ciphertexts: [PaillierCiphertext], threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [BigUInt] {
        ParallelMap.map(ciphertexts.count, threads: threads) { decrypt(ciphertexts[$0]) }
    }

    /// L_p(c^(p-1) mod p^2) * h_p mod p. The exponentiation uses OpenSSL's constant-time
    /// Montgomery code (see `ConstantTimeExponentiator` for why not `mpz_powm_sec`); the rest
    /// runs on raw GMP temporaries.
    private func half(_ c: BigUInt, prime: BigUInt, primeSquared: BigUInt, exponentiator: ConstantTimeExponentiator,
                      exponent: OpenSSLBigNumber, h: BigUInt) -> BigUInt {
        let lifted = exponentiator.power(c % primeSquared, exponent)
        return BigUInt.make { out in
            let scratch = MPZScratch(count: 1)
            let t = scratch[0]
            __gmpz_sub_ui(t, lifted.mpz, 1)
            __gmpz_divexact(t, t, prime.mpz)
            __gmpz_mul(t, t, h.mpz)
            __gmpz_mod(out, t, prime.mpz)
        }
    }
}
