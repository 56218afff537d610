internal import CGMP

/// Products of many powers, prod_j base_j^exponent_j mod M, for public bases and exponents.
///
/// Straus's simultaneous method with 4-bit fixed windows: the squarings are shared by all
/// bases, so each extra base costs its 14-entry table plus one multiplication per non-zero
/// window of its exponent. For the 128-bit weights of a batched threshold proof that is about
/// 44 multiplications per base instead of about 170 for a separate exponentiation each.
/// Variable time: use it only when bases and exponents are public.
enum MultiExponentiation {
    /// Bases per chunk: bounds the window tables' memory (chunk x 15 residues) and is the
    /// unit of parallel work.
    static let chunkSize = 32
    static let windowBits = 4

    /// prod_j bases[j]^exponents[j] mod `modulus`, split into chunks over up to `threads` cores.
    static func product(bases: [BigUInt], exponents: [BigUInt], modulus: BigUInt, threads: Int = 1) -> BigUInt {
        precondition(bases.count == exponents.count, "one exponent per base")
        precondition(!modulus.isZero, "modulus zero")
        let chunkCount = (bases.count + chunkSize - 1) / chunkSize
        guard chunkCount > 0 else { return BigUInt(1) % modulus }
        let partials = ParallelMap.map(chunkCount, threads: threads) { chunk in
            let range = (chunk * chunkSize)..<min(bases.count, (chunk + 1) * chunkSize)
            return straus(bases: bases[range], exponents: exponents[range], modulus: modulus)
        }
        var result = partials[0]
        for partial in partials.dropFirst() { result = result.multiplied(by: partial, modulo: modulus) }
        return result
    }

    /// One chunk: a table of base^1..base^15 per base, then one pass over the exponent windows
    /// from the most significant, squaring the shared accumulator `windowBits` times per window.
    private static func straus(bases: ArraySlice<BigUInt>, exponents: ArraySlice<BigUInt>, modulus: BigUInt) -> BigUInt {
        let count = bases.count
        let entries = (1 << windowBits) - 1
        let table = MPZScratch(count: count * entries)
        let m = modulus.mpz
        for (offset, base) in bases.enumerated() {
            let first = table[offset * entries]
            __gmpz_mod(first, base.mpz, m)
            for power in 1..<entries {
                let target = table[offset * entries + power]
                __gmpz_mul(target, table[offset * entries + power - 1], first)
                __gmpz_mod(target, target, m)
            }
        }
        let exponentList = Array(exponents)
        let maxBits = exponentList.map(\.bitWidth).max() ?? 0
        let windows = (maxBits + windowBits - 1) / windowBits
        return BigUInt.make { accumulator in
            __gmpz_set_ui(accumulator, 1)
            var started = false
            for window in stride(from: windows - 1, through: 0, by: -1) {
                if started {
                    for _ in 0..<windowBits {
                        __gmpz_mul(accumulator, accumulator, accumulator)
                        __gmpz_mod(accumulator, accumulator, m)
                    }
                }
                for (offset, exponent) in exponentList.enumerated() {
                    let digit = digitOf(exponent, window: window)
                    guard digit != 0 else { continue }
                    __gmpz_mul(accumulator, accumulator, table[offset * entries + digit - 1])
                    __gmpz_mod(accumulator, accumulator, m)
                    started = true
                }
            }
            if !started { __gmpz_mod(accumulator, accumulator, m) }
        }
    }

    /// Bits [window * windowBits, (window + 1) * windowBits) of `exponent`.
    private static func digitOf(_ exponent: BigUInt, window: Int) -> Int {
        var digit = 0
        for bit in stride(from: windowBits - 1, through: 0, by: -1) {
            digit = digit << 1 | (exponent.testBit(window * windowBits + bit) ? 1 : 0)
        }
        return digit
    }
}
