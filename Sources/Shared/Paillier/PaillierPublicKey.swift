import Foundation

/// A Paillier public key with g = n + 1 and the Damgard-Jurik-Nielsen base h_s.
///
/// Enc(m) = (1 + m n) * h_s^a mod n^2 with a random exponent `a` of `shortExponentBits` bits,
/// where h_s = (-x^2)^n mod n^2 for a secret random x. The fixed-base table for h_s is built
/// on the first encryption and reused for the key's lifetime.
public struct PaillierPublicKey: Sendable, Equatable {
    /// The modulus n = p q.
    public let n: BigUInt
    /// n^2, the ciphertext modulus.
    public let nSquared: BigUInt
    /// The DJN base h_s in Z*_{n^2}.
    public let hs: BigUInt
    /// |n| in bits (one of `PaillierParameters`' supported sizes).
    public let modulusBits: Int
    /// Bit length of the DJN exponent.
    public let shortExponentBits: Int
    private let cache: EncryptionCache

    /// Bytes of one serialised ciphertext (fixed width: 2 |n| / 8).
    public var ciphertextByteCount: Int { 2 * modulusBits / 8 }

    /// Builds and validates a public key from n and h_s.
    public init(n: BigUInt, hs: BigUInt) throws {
        try self.init(n: n, hs: hs, checkingSize: true)
    }

    /// `checkingSize: false` admits toy moduli for known-answer tests only.
    init(n: BigUInt, hs: BigUInt, checkingSize: Bool) throws {
        let bits = n.bitWidth
        if checkingSize { try PaillierParameters.validate(modulusBits: bits) }
        guard n.isOdd else { throw ApiaryError(.invalidArgument, "Paillier modulus n must be odd") }
        let nSquared = n.squared
        guard !hs.isZero, hs < nSquared, hs.gcd(n) == BigUInt(1) else {
            throw ApiaryError(.invalidArgument, "DJN base h_s is not a unit modulo n^2")
        }
        self.n = n
        self.nSquared = nSquared
        self.hs = hs
        self.modulusBits = bits
        self.shortExponentBits = PaillierParameters.shortExponentBits(modulusBits: bits)
        self.cache = EncryptionCache()
    }

    public static func == (lhs: PaillierPublicKey, rhs: PaillierPublicKey) -> Bool {
        lhs.n == rhs.n && lhs.hs == rhs.hs
    }

    // MARK: Encryption

    /// Encrypts a plaintext in [0, n) with fresh DJN randomness.
    public func encrypt(_ plaintext: BigUInt, using source: some RandomSource = SystemRandom()) throws -> PaillierCiphertext {
        let exponent = BigUInt.random(bits: shortExponentBits, using: source)
        return try encrypt(plaintext, exponent: exponent)
    }

    /// Encrypts with a caller-chosen DJN exponent `a` (known-answer tests; never reuse an exponent).
    public func encrypt(_ plaintext: BigUInt, exponent: BigUInt) throws -> PaillierCiphertext {
        try checkPlaintext(plaintext)
        let mask = exponent.bitWidth <= shortExponentBits ? table.power(exponent) : hs.power(exponent, modulo: nSquared)
        return PaillierCiphertext(unchecked: gTimes(plaintext, mask))
    }

    /// Textbook encryption (1 + m n) r^n mod n^2 with a caller-chosen r in Z*_n (for
    /// known-answer tests and interoperability with libraries that use r^n).
    public func encrypt(_ plaintext: BigUInt, r: BigUInt) throws -> PaillierCiphertext {
        try checkPlaintext(plaintext)
        guard !r.isZero, r < n, r.gcd(n) == BigUInt(1) else {
            throw ApiaryError(.invalidArgument, "encryption randomness r must be a unit modulo n")
        }
        return PaillierCiphertext(unchecked: gTimes(plaintext, r.power(n, modulo: nSquared)))
    }

    /// Encrypts many plaintexts, spreading the work over `threads` cores.
    public func encrypt(_ plaintexts: [BigUInt], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [PaillierCiphertext] {
        for plaintext in plaintexts { try checkPlaintext(plaintext) }
        _ = table
        return ParallelMap.map(plaintexts.count, threads: threads) { index in
            PaillierCiphertext(unchecked: gTimes(plaintexts[index], table.power(BigUInt.random(bits: shortExponentBits))))
        }
    }

    /// (1 + m n) * mask mod n^2, computed as mask + n * (m * mask mod n) mod n^2, which avoids
    /// one multiplication modulo n^2.
    private func gTimes(_ plaintext: BigUInt, _ mask: BigUInt) -> BigUInt {
        guard !plaintext.isZero else { return mask }
        let folded = plaintext.multiplied(by: mask, modulo: n)
        var sum = mask + folded * n
        if sum >= nSquared { sum -= nSquared }
        return sum
    }

    private func checkPlaintext(_ plaintext: BigUInt) throws {
        guard plaintext < n else {
            throw ApiaryError(.outOfRange, "plaintext of \(plaintext.bitWidth) bits is not below the \(modulusBits)-bit modulus n")
        }
    }

    /// The fixed-base table for h_s, built once on first use.
    var table: FixedBaseTable {
        cache.table { FixedBaseTable(base: hs, modulus: nSquared, exponentBits: shortExponentBits) }
    }

    /// Bytes held by the fixed-base table (builds it if needed).
    public var fixedBaseTableBytes: Int { table.byteCount }

    // MARK: Homomorphic operations

    /// Enc(a + b) from Enc(a) and Enc(b): one multiplication modulo n^2.
    public func add(_ lhs: PaillierCiphertext, _ rhs: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext(unchecked: lhs.value.multiplied(by: rhs.value, modulo: nSquared))
    }

    /// Enc(k m) from Enc(m) and a public scalar k.
    public func multiply(_ ciphertext: PaillierCiphertext, by scalar: BigUInt) -> PaillierCiphertext {
        PaillierCiphertext(unchecked: ciphertext.value.power(scalar, modulo: nSquared))
    }

    /// A fresh-looking encryption of the same plaintext: multiplies by h_s^a.
    public func rerandomize(_ ciphertext: PaillierCiphertext, using source: some RandomSource = SystemRandom()) -> PaillierCiphertext {
        let mask = table.power(BigUInt.random(bits: shortExponentBits, using: source))
        return PaillierCiphertext(unchecked: ciphertext.value.multiplied(by: mask, modulo: nSquared))
    }

    // MARK: Validation and serialisation

    /// Checks that `value` lies in Z*_{n^2}: 0 < value < n^2 and gcd(value, n) = 1.
    public func validate(_ value: BigUInt) throws -> PaillierCiphertext {
        guard !value.isZero, value < nSquared else {
            throw ApiaryError(.outOfRange, "ciphertext is not in the range 1..n^2-1 of this key")
        }
        guard value.gcd(n) == BigUInt(1) else {
            throw ApiaryError(.invalidArgument, "ciphertext is not a unit modulo n^2 (shares a factor with n)")
        }
        return PaillierCiphertext(unchecked: value)
    }

    /// Checks that every value lies in Z*_{n^2}, with one gcd for the whole vector instead of
    /// one per element (a gcd costs about six modular multiplications at 2048 bits).
    ///
    /// Each value must be in 1..n^2-1 (compared one by one), and gcd(prod (c_j mod n) mod n, n)
    /// must be 1. That is exact, not probabilistic: a prime r dividing n divides the product
    /// reduced mod n iff it divides the product iff it divides some c_j. Only when the batched
    /// gcd fails are the values checked one by one, to name the first bad index. Errors name
    /// the index as "ciphertext i: reason".
    public func validate(vector values: [BigUInt]) throws -> [PaillierCiphertext] {
        for (index, value) in values.enumerated() where value.isZero || value >= nSquared {
            throw ApiaryError(.outOfRange, "ciphertext \(index): ciphertext is not in the range 1..n^2-1 of this key")
        }
        var product = BigUInt(1)
        for value in values { product = product.multiplied(by: value % n, modulo: n) }
        if product.gcd(n) != BigUInt(1) {
            for (index, value) in values.enumerated() {
                do { _ = try validate(value) } catch let error as ApiaryError {
                    throw ApiaryError(error.code, "ciphertext \(index): \(error.reason)")
                }
            }
        }
        return values.map { PaillierCiphertext(unchecked: $0) }
    }

    /// Parses one fixed-width big-endian ciphertext and validates it.
    public func ciphertext<Bytes: Collection>(bytes: Bytes) throws -> PaillierCiphertext where Bytes.Element == UInt8 {
        guard bytes.count == ciphertextByteCount else {
            throw ApiaryError(.invalidEncoding, "a ciphertext under this key has \(ciphertextByteCount) bytes, got \(bytes.count)")
        }
        return try validate(BigUInt(bigEndian: bytes))
    }

    /// The fixed-width big-endian bytes of a ciphertext.
    public func bytes(of ciphertext: PaillierCiphertext) -> [UInt8] {
        // A ciphertext built by this module is below n^2, so it always fits.
        try! ciphertext.value.serialized(width: ciphertextByteCount)
    }
}

/// Lazily built, thread-safe holder of a key's fixed-base table.
final class EncryptionCache: @unchecked Sendable {
    private let lock = NSLockShim()
    private var built: FixedBaseTable?

    func table(_ build: () -> FixedBaseTable) -> FixedBaseTable {
        lock.withLock {
            if let built { return built }
            let fresh = build()
            built = fresh
            return fresh
        }
    }
}
