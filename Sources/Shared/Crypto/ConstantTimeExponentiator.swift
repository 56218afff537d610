internal import COpenSSL

/// Owner of one OpenSSL `BIGNUM`, cleared (`BN_clear_free`) on release.
final class OpenSSLBigNumber: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Converts a `BigUInt`; with `secret`, the number is flagged for constant-time use and the
    /// intermediate bytes are wiped.
    init(_ value: BigUInt, secret: Bool) {
        var bytes = value.bigEndianBytes
        defer { if secret { BigUInt.wipe(&bytes) } }
        guard let pointer = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            fatalError("BN_bin2bn: out of memory (\(OpenSSLError.drainQueue().joined(separator: "; ")))")
        }
        if secret { BN_set_flags(pointer, BN_FLG_CONSTTIME) }
        self.pointer = pointer
    }

    init() {
        guard let pointer = BN_new() else { fatalError("BN_new: out of memory") }
        self.pointer = pointer
    }

    /// The value as fixed-width big-endian bytes, converted back to a `BigUInt`.
    func bigUInt(width: Int) -> BigUInt {
        var bytes = [UInt8](repeating: 0, count: width)
        let written = BN_bn2binpad(pointer, &bytes, Int32(width))
        precondition(written == Int32(width), "BN_bn2binpad: value wider than its \(width)-byte field")
        defer { BigUInt.wipe(&bytes) }
        return BigUInt(bigEndian: bytes)
    }

    deinit { BN_clear_free(pointer) }
}

/// Modular exponentiation with secret exponents by OpenSSL's `BN_mod_exp_mont_consttime`, for a
/// fixed odd modulus whose Montgomery context is computed once.
///
/// Why OpenSSL and not GMP's `mpz_powm_sec`: both are constant time, but OpenSSL's fixed-window
/// Montgomery code is hand-written assembly for x86-64 (and AArch64). Measured here at a 4096-bit
/// modulus (n^2 of a 2048-bit key): OpenSSL constant time 90/s, GMP `mpz_powm` (variable time)
/// 82/s, GMP `mpz_powm_sec` 69/s. Threshold partial decryptions are the committee's hot path.
/// The Montgomery context is read-only after creation and shared by all threads; each call
/// uses its own `BN_CTX`.
final class ConstantTimeExponentiator: @unchecked Sendable {
    private let montgomery: OpaquePointer
    private let modulus: OpenSSLBigNumber
    private let width: Int

    /// A context for an odd `modulus` > 1.
    init(modulus value: BigUInt) {
        precondition(value.isOdd && value > BigUInt(1), "Montgomery arithmetic needs an odd modulus > 1")
        modulus = OpenSSLBigNumber(value, secret: false)
        width = value.byteCount
        guard let context = BN_CTX_new(), let montgomery = BN_MONT_CTX_new() else { fatalError("BN_CTX_new: out of memory") }
        defer { BN_CTX_free(context) }
        guard BN_MONT_CTX_set(montgomery, modulus.pointer, context) == 1 else {
            fatalError("BN_MONT_CTX_set failed on an odd modulus: \(OpenSSLError.drainQueue().joined(separator: "; "))")
        }
        self.montgomery = montgomery
    }

    deinit { BN_MONT_CTX_free(montgomery) }

    /// `base^exponent mod modulus` in time independent of the exponent's value (its length is
    /// fixed by the caller's format). `base` is public; `exponent` was made with `secret: true`.
    func power(_ base: BigUInt, _ exponent: OpenSSLBigNumber) -> BigUInt {
        guard let context = BN_CTX_new() else { fatalError("BN_CTX_new: out of memory") }
        defer { BN_CTX_free(context) }
        let baseNumber = OpenSSLBigNumber(base, secret: false)
        let result = OpenSSLBigNumber()
        guard BN_mod_exp_mont_consttime(result.pointer, baseNumber.pointer, exponent.pointer, modulus.pointer, context, montgomery) == 1 else {
            fatalError("BN_mod_exp_mont_consttime failed: \(OpenSSLError.drainQueue().joined(separator: "; "))")
        }
        return result.bigUInt(width: width)
    }

    /// `base^exponent mod modulus` for a secret exponent given as a `BigUInt`.
    func power(_ base: BigUInt, secretExponent exponent: BigUInt) -> BigUInt {
        power(base, OpenSSLBigNumber(exponent, secret: true))
    }
}
