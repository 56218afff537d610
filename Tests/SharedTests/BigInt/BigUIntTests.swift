import Testing
@testable import Shared

@Suite("BigUInt over GMP")
struct BigUIntTests {
    @Test("arithmetic agrees with UInt64 arithmetic on many random values")
    func arithmeticMatchesMachineIntegers() {
        let random = SeededRandom(seed: 11)
        for _ in 0..<2_000 {
            let a = random.nextUInt64() >> 2
            let b = (random.nextUInt64() >> 34) | 1
            let x = BigUInt(a), y = BigUInt(b)
            #expect((x + y).uint64Value == a + b)
            #expect((x * y) == BigUInt(a).multiplied(by: b))
            #expect((x / y).uint64Value == a / b)
            #expect((x % y).uint64Value == a % b)
            if a >= b { #expect((x - y).uint64Value == a - b) }
            #expect((x < y) == (a < b))
            #expect((x >> 3).uint64Value == a >> 3)
            #expect(x.remainder(dividingBy: b) == a % b)
        }
    }

    @Test("big-endian bytes, fixed-width serialisation and text round-trip")
    func serialisation() throws {
        let value = try #require(BigUInt("0102030405060708090a0b0c0d0e0f10", radix: 16))
        #expect(value.bigEndianBytes == Array(1...16))
        #expect(try value.serialized(width: 20) == [0, 0, 0, 0] + Array(1...16))
        #expect(throws: ApiaryError.self) { try value.serialized(width: 15) }
        #expect(BigUInt(bigEndian: [0, 0] + Array(1...16)) == value)
        #expect(BigUInt(value.description) == value)
        #expect(BigUInt("0x" + value.hex, radix: 16) == value)
        #expect(BigUInt("12a", radix: 10) == nil)
        #expect(BigUInt("", radix: 10) == nil)
        #expect(BigUInt(bigEndian: [UInt8]()).isZero)
        #expect(try BigUInt().serialized(width: 3) == [0, 0, 0])
    }

    @Test("copy-on-write keeps values independent")
    func copyOnWrite() {
        let a = BigUInt(1000)
        var b = a
        b += BigUInt(1)
        #expect(a == BigUInt(1000))
        #expect(b == BigUInt(1001))
        var c = b
        c *= BigUInt(3)
        #expect(b == BigUInt(1001))
        #expect(c == BigUInt(3003))
    }

    @Test("modular exponentiation: constant-time and variable-time agree; inverse and gcd")
    func modularArithmetic() throws {
        let random = SeededRandom(seed: 5)
        let modulus = BigUInt.randomPrime(bits: 256, using: random)
        for _ in 0..<50 {
            let base = BigUInt.random(below: modulus, using: random)
            let exponent = BigUInt.random(bits: 200, using: random).adding(1)
            #expect(base.power(exponent, modulo: modulus) == base.powerSecret(exponent, modulo: modulus))
            if !base.isZero {
                let inverse = try #require(base.inverse(modulo: modulus))
                #expect(base.multiplied(by: inverse, modulo: modulus) == BigUInt(1))
                // Fermat: base^(p-1) = 1 mod p.
                #expect(base.power(modulus.subtracting(1), modulo: modulus) == BigUInt(1))
            }
        }
        #expect(BigUInt(12).gcd(BigUInt(18)) == BigUInt(6))
        #expect(BigUInt(4).lcm(BigUInt(6)) == BigUInt(12))
        #expect(BigUInt(6).inverse(modulo: BigUInt(9)) == nil)
        #expect(BigUInt.factorial(5) == BigUInt(120))
    }

    @Test("random values stay below the bound and cover it")
    func randomBelow() {
        let random = SeededRandom(seed: 3)
        let bound = BigUInt(10)
        var seen = Set<UInt64>()
        for _ in 0..<500 {
            let value = BigUInt.random(below: bound, using: random)
            #expect(value < bound)
            seen.insert(value.uint64Value!)
        }
        #expect(seen.count == 10)
        for bits in [1, 7, 8, 9, 64, 65, 300] {
            #expect(BigUInt.random(bits: bits, using: random).bitWidth <= bits)
        }
    }

    @Test("primes and safe primes have the requested size and structure")
    func primeGeneration() {
        let random = SeededRandom(seed: 99)
        for bits in [64, 128, 256] {
            let prime = BigUInt.randomPrime(bits: bits, using: random)
            #expect(prime.bitWidth == bits)
            #expect(prime.testBit(bits - 2))
            #expect(prime.isProbablePrime())
        }
        let safe = BigUInt.randomSafePrime(bits: 160, using: random)!
        #expect(safe.bitWidth == 160)
        #expect(safe.isProbablePrime())
        #expect((safe >> 1).isProbablePrime())
        #expect(!BigUInt(561).isProbablePrime())  // a Carmichael number
    }
}
