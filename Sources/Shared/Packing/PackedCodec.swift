internal import CGMP

/// Packs vectors of small values into Paillier plaintexts and unpacks homomorphic sums.
///
/// Three encodings share one layout (`PackingLayout`):
/// - `signedFixedPoint(clip:)`: reals in [-C, C], quantised to round(v * S) with
///   S = (2^(b-1) - 1) / C, stored as q + B with offset B = 2^(b-1) - 1.
/// - `signedInteger`: integers in [-B, B] (counts plus symmetric integer noise), stored as v + B.
/// - `unsignedInteger`: integers in [0, 2^b - 1], stored as is.
/// Slot j of a plaintext occupies bits [j w, (j+1) w) (slot 0 least significant). After the
/// sum of k contributions, a slot decodes as t_j - k B. Encoding refuses, with a typed error,
/// any value that could overflow its slot; decoding refuses k > K.
public struct PackedCodec: Sendable, Equatable {
    /// How values map to slot integers.
    public enum Encoding: Sendable, Equatable, Codable {
        case signedFixedPoint(clip: Double)
        case signedInteger
        case unsignedInteger
    }

    public let layout: PackingLayout
    public let encoding: Encoding

    public init(layout: PackingLayout, encoding: Encoding) throws {
        if case .signedFixedPoint(let clip) = encoding {
            guard clip.isFinite, clip > 0 else {
                throw ApiaryError(.invalidArgument, "fixed-point clip bound must be positive and finite, got \(clip)")
            }
        }
        self.layout = layout
        self.encoding = encoding
    }

    /// The fixed-point scale S (1 for integer encodings).
    public var scale: Double {
        if case .signedFixedPoint(let clip) = encoding { return Double(layout.offset) / clip }
        return 1
    }

    private var slotOffset: UInt64 {
        switch encoding {
        case .signedFixedPoint, .signedInteger: return layout.offset
        case .unsignedInteger: return 0
        }
    }

    // MARK: Encoding

    /// Packs reals (signed fixed-point encoding only). NaN, infinities and values beyond the
    /// clip bound are refused, never clipped or wrapped: clipping is the privacy layer's job.
    public func encode(_ values: [Double]) throws -> [BigUInt] {
        guard case .signedFixedPoint(let clip) = encoding else {
            throw ApiaryError(.invalidArgument, "this codec packs integers; use encode(integers:)")
        }
        let s = scale
        var slots: [UInt64] = []
        slots.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard value.isFinite else { throw ApiaryError(.outOfRange, "value \(index) is not a finite number") }
            guard abs(value) <= clip else {
                throw ApiaryError(.outOfRange, "value \(index) lies outside the clip bound [-\(clip), \(clip)]")
            }
            let quantised = Int64((value * s).rounded())
            slots.append(UInt64(quantised + Int64(layout.offset)))
        }
        return pack(slots)
    }

    /// Packs integers (integer encodings only).
    public func encode(integers values: [Int64]) throws -> [BigUInt] {
        let low: Int64
        let high: Int64
        switch encoding {
        case .signedFixedPoint:
            throw ApiaryError(.invalidArgument, "this codec packs reals; use encode(_:) with [Double]")
        case .signedInteger:
            low = -Int64(layout.offset); high = Int64(layout.offset)
        case .unsignedInteger:
            low = 0; high = Int64(layout.maxEncodedValue)
        }
        var slots: [UInt64] = []
        slots.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard value >= low, value <= high else {
                throw ApiaryError(.outOfRange, "value \(index) = \(value) does not fit a \(layout.valueBits)-bit slot (allowed \(low)...\(high))")
            }
            slots.append(UInt64(value - low))
        }
        return pack(slots)
    }

    /// Places slot integers (each < 2^b) into plaintexts, slot 0 in the least significant bits.
    private func pack(_ slots: [UInt64]) -> [BigUInt] {
        let perPlaintext = layout.slotsPerPlaintext
        let width = layout.slotWidth
        let limbCount = (perPlaintext * width + 63) / 64
        var plaintexts: [BigUInt] = []
        plaintexts.reserveCapacity(layout.plaintextCount(for: slots.count))
        var start = 0
        var limbs = [UInt64](repeating: 0, count: limbCount)
        while start < slots.count {
            for i in 0..<limbCount { limbs[i] = 0 }
            let end = min(slots.count, start + perPlaintext)
            for index in start..<end {
                let bit = (index - start) * width
                let value = slots[index]
                limbs[bit / 64] |= value << UInt64(bit % 64)
                let spill = bit % 64 + width - 64
                if spill > 0 { limbs[bit / 64 + 1] |= value >> UInt64(width - spill) }
            }
            plaintexts.append(Self.fromLimbs(limbs))
            start = end
        }
        return plaintexts
    }

    static func fromLimbs(_ limbs: [UInt64]) -> BigUInt {
        var result = BigUInt()
        result.withMutableMPZ { z in
            limbs.withUnsafeBytes { raw in
                // order -1: least significant word first; size 8; endian 0: native.
                __gmpz_import(z, limbs.count, -1, 8, 0, 0, raw.baseAddress)
            }
        }
        return result
    }

    // MARK: Decoding

    /// Unpacks the sum of `contributors` packed vectors into `count` integer sums
    /// (t_j - k B for offset encodings).
    public func decodeIntegers(_ plaintexts: [BigUInt], count: Int, contributors: Int) throws -> [Int64] {
        guard contributors >= 1, contributors <= layout.maxSummands else {
            throw ApiaryError(.outOfRange, "\(contributors) contributors exceed the layout's \(layout.maxSummands) summands (or are fewer than 1)")
        }
        guard plaintexts.count == layout.plaintextCount(for: count) else {
            throw ApiaryError(.invalidArgument, "\(plaintexts.count) plaintexts cannot hold exactly \(count) values")
        }
        let width = layout.slotWidth
        let mask = (UInt64(1) << UInt64(width)) - 1
        let totalOffset = Int64(slotOffset) * Int64(contributors)
        var result: [Int64] = []
        result.reserveCapacity(count)
        for (plaintextIndex, plaintext) in plaintexts.enumerated() {
            guard plaintext.bitWidth <= layout.slotsPerPlaintext * width else {
                throw ApiaryError(.overflow, "plaintext \(plaintextIndex) has bits beyond its last slot")
            }
            let limbs = Self.toLimbs(plaintext, count: (layout.slotsPerPlaintext * width + 63) / 64 + 1)
            let slotsHere = min(layout.slotsPerPlaintext, count - plaintextIndex * layout.slotsPerPlaintext)
            for slot in 0..<slotsHere {
                let bit = slot * width
                var value = limbs[bit / 64] >> UInt64(bit % 64)
                let spill = bit % 64 + width - 64
                if spill > 0 { value |= limbs[bit / 64 + 1] << UInt64(width - spill) }
                value &= mask
                result.append(Int64(value) - totalOffset)
            }
        }
        return result
    }

    /// Unpacks the sum of `contributors` fixed-point vectors into real sums.
    public func decode(_ plaintexts: [BigUInt], count: Int, contributors: Int) throws -> [Double] {
        guard case .signedFixedPoint = encoding else {
            throw ApiaryError(.invalidArgument, "this codec holds integers; use decodeIntegers")
        }
        let s = scale
        return try decodeIntegers(plaintexts, count: count, contributors: contributors).map { Double($0) / s }
    }

    static func toLimbs(_ value: BigUInt, count: Int) -> [UInt64] {
        var limbs = [UInt64](repeating: 0, count: max(count, (value.bitWidth + 63) / 64))
        value.withMPZ { z in
            limbs.withUnsafeMutableBytes { raw in
                var written = 0
                _ = __gmpz_export(raw.baseAddress, &written, -1, 8, 0, 0, z)
            }
        }
        return limbs
    }
}
