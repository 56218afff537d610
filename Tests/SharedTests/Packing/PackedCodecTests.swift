import Foundation
import Testing
@testable import Shared

@Suite("Packed offset codec")
struct PackedCodecTests {
    @Test("known answer: section 1d of the reference vectors")
    func knownAnswer() throws {
        let record = try #require(try TestVectors.records("packing.txt").first)
        let layout = try PackingLayout(valueBits: Int(record["valueBits"]!)!, maxSummands: Int(record["maxSummands"]!)!,
                                       modulusBits: Int(record["modulusBits"]!)!)
        #expect(layout.slotWidth == Int(record["slotWidth"]!)!)
        #expect(layout.slotsPerPlaintext == Int(record["slots"]!)!)
        let codec = try PackedCodec(layout: layout, encoding: .signedFixedPoint(clip: Double(record["clip"]!)!))
        let values = record["values0"]!.split(separator: ",").map { Double($0)! }
        let packed = try codec.encode(values)
        #expect(packed.count == 1)
        #expect(packed[0].hex == record["party0"])
        let aggregate = try #require(BigUInt(record["aggregate"]!, radix: 16))
        let sums = try codec.decode([aggregate], count: values.count, contributors: Int(record["contributors"]!)!)
        let expected = record["sums"]!.split(separator: ",").map { Double($0)! }
        for (got, want) in zip(sums, expected) { #expect(abs(got - want) < 5e-6) }
    }

    @Test("packed sums of K parties equal the exact sums (integers, all three encodings)")
    func integerSums() throws {
        let random = SeededRandom(seed: 21)
        for (encoding, low, high) in [(PackedCodec.Encoding.signedInteger, -32767, 32767), (.unsignedInteger, 0, 65535)] {
            for parties in [1, 2, 7, 1000] {
                let layout = try PackingLayout(valueBits: 16, maxSummands: 1000, modulusBits: 2048)
                let codec = try PackedCodec(layout: layout, encoding: encoding)
                let count = 160  // spans three plaintexts of 75 slots
                var exact = [Int64](repeating: 0, count: count)
                var sum = [BigUInt](repeating: BigUInt(), count: layout.plaintextCount(for: count))
                for party in 0..<parties {
                    // Extremes for the first parties so carries are exercised at full width.
                    let values: [Int64] = (0..<count).map { _ in
                        party < 3 ? Int64(party % 2 == 0 ? high : low)
                            : Int64(low) + Int64(random.uniform(below: UInt64(high - low + 1)))
                    }
                    for i in 0..<count { exact[i] += values[i] }
                    let packed = try codec.encode(integers: values)
                    for i in 0..<packed.count { sum[i] += packed[i] }
                }
                #expect(try codec.decodeIntegers(sum, count: count, contributors: parties) == exact)
            }
        }
    }

    @Test("homomorphic packed sum through Paillier equals the exact fixed-point sum")
    func encryptedFixedPointSum() throws {
        let key = testPaillierKey
        let layout = try PackingLayout(valueBits: 16, maxSummands: 8, modulusBits: 512)
        let codec = try PackedCodec(layout: layout, encoding: .signedFixedPoint(clip: 2.0))
        let random = SeededRandom(seed: 31)
        let count = 40
        var exact = [Double](repeating: 0, count: count)
        var aggregate: [PaillierCiphertext]? = nil
        for _ in 0..<8 {
            let values = (0..<count).map { _ in (random.unitDouble() * 4 - 2) }
            for i in 0..<count { exact[i] += (values[i] * codec.scale).rounded() / codec.scale }
            let ciphertexts = try codec.encode(values).map { try key.publicKey.encrypt($0, using: random) }
            aggregate = aggregate.map { zip($0, ciphertexts).map { key.publicKey.add($0, $1) } } ?? ciphertexts
        }
        let sums = try codec.decode(aggregate!.map { key.decrypt($0) }, count: count, contributors: 8)
        for (got, want) in zip(sums, exact) { #expect(abs(got - want) < 1e-9) }
    }

    @Test("values that could overflow a slot are refused, not wrapped")
    func overflowRefused() throws {
        let layout = try PackingLayout(valueBits: 8, maxSummands: 4, modulusBits: 512)
        let signed = try PackedCodec(layout: layout, encoding: .signedInteger)
        #expect(throws: ApiaryError.self) { try signed.encode(integers: [128]) }
        #expect(throws: ApiaryError.self) { try signed.encode(integers: [-128]) }
        #expect(try signed.encode(integers: [127, -127]).count == 1)
        let unsigned = try PackedCodec(layout: layout, encoding: .unsignedInteger)
        #expect(throws: ApiaryError.self) { try unsigned.encode(integers: [-1]) }
        #expect(throws: ApiaryError.self) { try unsigned.encode(integers: [256]) }
        let real = try PackedCodec(layout: layout, encoding: .signedFixedPoint(clip: 1))
        #expect(throws: ApiaryError.self) { try real.encode([1.0001]) }
        #expect(throws: ApiaryError.self) { try real.encode([.nan]) }
        #expect(throws: ApiaryError.self) { try real.encode([-.infinity]) }
        // More contributors than the layout was sized for.
        let packed = try signed.encode(integers: [1, 2, 3])
        #expect(throws: ApiaryError.self) { try signed.decodeIntegers(packed, count: 3, contributors: 5) }
        #expect(throws: ApiaryError.self) { try signed.decodeIntegers(packed, count: 3, contributors: 0) }
        #expect(throws: ApiaryError.self) { try signed.decodeIntegers(packed, count: 500, contributors: 1) }
        // A plaintext with bits above its last slot (a corrupted or foreign sum).
        #expect(throws: ApiaryError.self) { try signed.decodeIntegers([BigUInt(1) << 509], count: 3, contributors: 1) }
        // Layouts that cannot work.
        #expect(throws: ApiaryError.self) { try PackingLayout(valueBits: 1, maxSummands: 4, modulusBits: 512) }
        #expect(throws: ApiaryError.self) { try PackingLayout(valueBits: 16, maxSummands: 0, modulusBits: 512) }
        #expect(throws: ApiaryError.self) { try PackingLayout(valueBits: 60, maxSummands: 1000, modulusBits: 512) }
        #expect(throws: ApiaryError.self) { try PackedCodec(layout: layout, encoding: .signedFixedPoint(clip: 0)) }
    }

    @Test("slot width and count follow section 5.2")
    func layoutFormula() throws {
        let layout = try PackingLayout(valueBits: 16, maxSummands: 1000, modulusBits: 2048)
        #expect(layout.slotWidth == 16 + 10 + 1)
        #expect(layout.slotsPerPlaintext == 2046 / 27)
        #expect(try PackingLayout(valueBits: 16, maxSummands: 1, modulusBits: 2048).slotWidth == 17)
        #expect(try PackingLayout(valueBits: 16, maxSummands: 1024, modulusBits: 2048).slotWidth == 27)
        #expect(try PackingLayout(valueBits: 16, maxSummands: 1025, modulusBits: 2048).slotWidth == 28)
    }
}
