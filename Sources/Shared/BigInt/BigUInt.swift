internal import CGMP

/// A non-negative arbitrary-precision integer backed by GMP.
///
/// Value semantics with copy-on-write: the value is a struct over a final class that owns one
/// heap-allocated `__mpz_struct` (heap so that in-place GMP calls on it are legal in Swift 6).
/// All limbs are zeroed when released (see `GMPMemory`), so secrets do not outlive their value.
/// Subtraction that would go below zero is a programming error (precondition); use
/// `subtractingClamped` or compare first when the operands come from outside.
public struct BigUInt: Sendable {
    var storage: Storage

    /// Owner of one GMP integer. Never shared across a mutation (copy-on-write).
    final class Storage: @unchecked Sendable {
        let value: UnsafeMutablePointer<__mpz_struct>

        init() {
            _ = GMPMemory.installed
            value = .allocate(capacity: 1)
            __gmpz_init(value)
        }

        init(copying other: Storage) {
            _ = GMPMemory.installed
            value = .allocate(capacity: 1)
            __gmpz_init_set(value, other.value)
        }

        deinit {
            // GMPMemory's free function zeroes the limbs; the struct itself holds only a pointer.
            __gmpz_clear(value)
            value.deallocate()
        }
    }

    // MARK: - Construction

    /// Zero.
    public init() { storage = Storage() }

    /// The value of a machine integer.
    public init(_ value: UInt64) {
        storage = Storage()
        __gmpz_set_ui(storage.value, UInt(value))
    }

    /// The value of a non-negative `Int`; a negative argument is a programming error.
    public init(_ value: Int) {
        precondition(value >= 0, "BigUInt cannot hold a negative value")
        self.init(UInt64(value))
    }

    /// Parses big-endian bytes (leading zeros allowed; empty means zero).
    public init<Bytes: Collection>(bigEndian bytes: Bytes) where Bytes.Element == UInt8 {
        storage = Storage()
        let array = Array(bytes)
        guard !array.isEmpty else { return }
        array.withUnsafeBytes { raw in
            // mpz_import(rop, count, order=1 most significant first, size=1, endian=0, nails=0, op)
            __gmpz_import(storage.value, raw.count, 1, 1, 0, 0, raw.baseAddress)
        }
    }

    /// Parses text in the given radix (2...62); `nil` for malformed text. Accepts an optional
    /// "0x" prefix in radix 16.
    public init?(_ text: String, radix: Int = 10) {
        var digits = Substring(text)
        if radix == 16, digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        storage = Storage()
        let status = String(digits).withCString { __gmpz_set_str(storage.value, $0, Int32(radix)) }
        guard status == 0 else { return nil }
    }

    /// Internal: a fresh value computed by `body` writing into an empty GMP integer.
    static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigUInt {
        let result = BigUInt()
        body(result.storage.value)
        return result
    }

    // MARK: - Lending the C value (only inside Shared)

    /// Lends the GMP integer for reading. Never let the pointer escape the closure.
    func withMPZ<R>(_ body: (UnsafePointer<__mpz_struct>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.value))
    }

    /// Lends the GMP integer for in-place modification, copying first if the storage is shared.
    mutating func withMutableMPZ<R>(_ body: (UnsafeMutablePointer<__mpz_struct>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return try body(storage.value)
    }

    var mpz: UnsafePointer<__mpz_struct> { UnsafePointer(storage.value) }

    // MARK: - Inspection

    public var isZero: Bool { apiary_mpz_sgn(mpz) == 0 }
    public var isOdd: Bool { apiary_mpz_odd_p(mpz) != 0 }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int { isZero ? 0 : Int(__gmpz_sizeinbase(mpz, 2)) }

    /// Number of bytes in the minimal big-endian form (0 for zero).
    public var byteCount: Int { (bitWidth + 7) / 8 }

    /// Whether bit `index` (0 = least significant) is set.
    public func testBit(_ index: Int) -> Bool { __gmpz_tstbit(mpz, UInt(index)) != 0 }

    /// The value as `UInt64` if it fits.
    public var uint64Value: UInt64? {
        guard bitWidth <= 64 else { return nil }
        return UInt64(__gmpz_get_ui(mpz))
    }

    /// Nearest `Double` (truncated toward zero by GMP).
    public var doubleValue: Double { __gmpz_get_d(mpz) }

    /// Minimal big-endian bytes (empty for zero).
    public var bigEndianBytes: [UInt8] {
        let count = byteCount
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var written = 0
            _ = __gmpz_export(raw.baseAddress, &written, 1, 1, 0, 0, mpz)
        }
        return out
    }

    /// Fixed-width big-endian bytes, left-padded with zeros. Throws if the value needs more
    /// than `width` bytes: fixed-width formats must never silently truncate.
    public func serialized(width: Int) throws -> [UInt8] {
        let minimal = bigEndianBytes
        guard minimal.count <= width else {
            throw ApiaryError(.overflow, "integer of \(minimal.count) bytes does not fit a \(width)-byte field")
        }
        return [UInt8](repeating: 0, count: width - minimal.count) + minimal
    }

    /// Text in the given radix (lowercase digits).
    public func toString(radix: Int = 10) -> String {
        let size = Int(__gmpz_sizeinbase(mpz, Int32(radix))) + 2
        var buffer = [CChar](repeating: 0, count: size)
        __gmpz_get_str(&buffer, Int32(radix), mpz)
        return String(cChars: buffer)
    }

    /// Lowercase hexadecimal without prefix.
    public var hex: String { toString(radix: 16) }
}

// MARK: - Equality, order, hashing, printing

extension BigUInt: Equatable, Comparable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public static func == (lhs: BigUInt, rhs: BigUInt) -> Bool { __gmpz_cmp(lhs.mpz, rhs.mpz) == 0 }
    public static func < (lhs: BigUInt, rhs: BigUInt) -> Bool { __gmpz_cmp(lhs.mpz, rhs.mpz) < 0 }
    public func hash(into hasher: inout Hasher) { hasher.combine(bigEndianBytes) }
    public var description: String { toString(radix: 10) }
    public init(integerLiteral value: UInt64) { self.init(value) }
}

// MARK: - Arithmetic

extension BigUInt {
    public static func + (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        make { __gmpz_add($0, lhs.mpz, rhs.mpz) }
    }

    /// Subtraction; `lhs < rhs` is a programming error.
    public static func - (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        precondition(lhs >= rhs, "BigUInt subtraction would be negative")
        return make { __gmpz_sub($0, lhs.mpz, rhs.mpz) }
    }

    public static func * (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        make { __gmpz_mul($0, lhs.mpz, rhs.mpz) }
    }

    /// Floor division; division by zero is a programming error.
    public static func / (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        precondition(!rhs.isZero, "BigUInt division by zero")
        return make { __gmpz_fdiv_q($0, lhs.mpz, rhs.mpz) }
    }

    /// Remainder in [0, rhs).
    public static func % (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        precondition(!rhs.isZero, "BigUInt modulo zero")
        return make { __gmpz_fdiv_r($0, lhs.mpz, rhs.mpz) }
    }

    public static func += (lhs: inout BigUInt, rhs: BigUInt) {
        lhs.withMutableMPZ { __gmpz_add($0, $0, rhs.mpz) }
    }

    public static func -= (lhs: inout BigUInt, rhs: BigUInt) {
        precondition(lhs >= rhs, "BigUInt subtraction would be negative")
        lhs.withMutableMPZ { __gmpz_sub($0, $0, rhs.mpz) }
    }

    public static func *= (lhs: inout BigUInt, rhs: BigUInt) {
        lhs.withMutableMPZ { __gmpz_mul($0, $0, rhs.mpz) }
    }

    public static func << (lhs: BigUInt, bits: Int) -> BigUInt {
        make { __gmpz_mul_2exp($0, lhs.mpz, UInt(bits)) }
    }

    public static func >> (lhs: BigUInt, bits: Int) -> BigUInt {
        make { __gmpz_fdiv_q_2exp($0, lhs.mpz, UInt(bits)) }
    }

    /// `self + value` for a small addend.
    public func adding(_ value: UInt64) -> BigUInt { BigUInt.make { __gmpz_add_ui($0, mpz, UInt(value)) } }

    /// `self * value` for a small factor.
    public func multiplied(by value: UInt64) -> BigUInt { BigUInt.make { __gmpz_mul_ui($0, mpz, UInt(value)) } }

    /// `self - value`; going below zero is a programming error.
    public func subtracting(_ value: UInt64) -> BigUInt {
        precondition(self >= BigUInt(value), "BigUInt subtraction would be negative")
        return BigUInt.make { __gmpz_sub_ui($0, mpz, UInt(value)) }
    }

    /// `self mod value` for a small modulus.
    public func remainder(dividingBy value: UInt64) -> UInt64 {
        precondition(value != 0, "modulo zero")
        return UInt64(__gmpz_fdiv_ui(mpz, UInt(value)))
    }

    /// Whether `self` is divisible by `divisor`.
    public func isDivisible(by divisor: BigUInt) -> Bool { __gmpz_divisible_p(mpz, divisor.mpz) != 0 }

    /// Exact quotient when `divisor` is known to divide `self` (faster than `/`).
    public func dividedExactly(by divisor: BigUInt) -> BigUInt {
        BigUInt.make { __gmpz_divexact($0, mpz, divisor.mpz) }
    }

    /// `self * other mod modulus`.
    public func multiplied(by other: BigUInt, modulo modulus: BigUInt) -> BigUInt {
        BigUInt.make {
            __gmpz_mul($0, mpz, other.mpz)
            __gmpz_mod($0, $0, modulus.mpz)
        }
    }

    /// `self^exponent mod modulus` with GMP's variable-time sliding window: for public exponents.
    public func power(_ exponent: BigUInt, modulo modulus: BigUInt) -> BigUInt {
        precondition(!modulus.isZero, "modulus zero")
        return BigUInt.make { __gmpz_powm($0, mpz, exponent.mpz, modulus.mpz) }
    }

    /// `self^exponent mod modulus` in time and memory access pattern independent of the
    /// exponent (GMP's `mpz_powm_sec`): for secret exponents. The modulus must be odd and
    /// the exponent positive.
    public func powerSecret(_ exponent: BigUInt, modulo modulus: BigUInt) -> BigUInt {
        precondition(modulus.isOdd, "mpz_powm_sec needs an odd modulus")
        precondition(!exponent.isZero, "mpz_powm_sec needs a positive exponent")
        return BigUInt.make { __gmpz_powm_sec($0, mpz, exponent.mpz, modulus.mpz) }
    }

    /// The multiplicative inverse modulo `modulus`, or `nil` when none exists.
    public func inverse(modulo modulus: BigUInt) -> BigUInt? {
        var result = BigUInt()
        let exists = result.withMutableMPZ { __gmpz_invert($0, mpz, modulus.mpz) }
        return exists != 0 ? result : nil
    }

    /// Greatest common divisor.
    public func gcd(_ other: BigUInt) -> BigUInt { BigUInt.make { __gmpz_gcd($0, mpz, other.mpz) } }

    /// Least common multiple.
    public func lcm(_ other: BigUInt) -> BigUInt { BigUInt.make { __gmpz_lcm($0, mpz, other.mpz) } }

    /// `n!` for small n.
    public static func factorial(_ n: Int) -> BigUInt {
        precondition(n >= 0)
        return make { __gmpz_fac_ui($0, UInt(n)) }
    }

    /// Exact square; cheaper than `self * self`.
    public var squared: BigUInt { BigUInt.make { __gmpz_mul($0, mpz, mpz) } }

    /// Baillie-PSW plus `rounds - 24` Miller-Rabin rounds (GMP 6.2 semantics of `mpz_probab_prime_p`).
    public func isProbablePrime(rounds: Int = 40) -> Bool {
        __gmpz_probab_prime_p(mpz, Int32(rounds)) > 0
    }

    /// Fermat test to base 2: a cheap filter before the full test.
    func passesFermatBase2() -> Bool {
        let two = BigUInt(2)
        let exponent = self.subtracting(1)
        return two.power(exponent, modulo: self) == BigUInt(1)
    }
}
