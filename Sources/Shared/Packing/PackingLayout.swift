/// The slot layout of section 5.2: b-bit values, at most K summands, slot width
/// w = b + ceil(log2 K) + 1, and floor((|n| - 2) / w) slots per plaintext.
///
/// A slot holds the sum of at most K encoded values, each in [0, 2^b - 1], so the sum stays
/// below K * 2^b <= 2^(b + ceil(log2 K)) < 2^w: slots never carry into each other, and the
/// top slot ends at least 2 bits below |n|, so the packed plaintext is below n.
public struct PackingLayout: Sendable, Equatable, Codable {
    /// Bits per encoded value (b).
    public let valueBits: Int
    /// Largest number of summands the layout is sized for (K).
    public let maxSummands: Int
    /// Modulus size the plaintexts must fit.
    public let modulusBits: Int

    /// w = b + ceil(log2 K) + 1.
    public var slotWidth: Int { valueBits + Self.ceilLog2(maxSummands) + 1 }
    /// floor((|n| - 2) / w).
    public var slotsPerPlaintext: Int { (modulusBits - 2) / slotWidth }
    /// Largest value one party may place in a slot: 2^b - 1.
    public var maxEncodedValue: UInt64 { (UInt64(1) << UInt64(valueBits)) - 1 }
    /// The offset B = 2^(b-1) - 1 used for signed values.
    public var offset: UInt64 { (UInt64(1) << UInt64(valueBits - 1)) - 1 }

    /// A validated layout.
    public init(valueBits: Int, maxSummands: Int, modulusBits: Int) throws {
        guard (2...62).contains(valueBits) else {
            throw ApiaryError(.invalidArgument, "packing value bits must be in 2...62, got \(valueBits)")
        }
        guard maxSummands >= 1 else {
            throw ApiaryError(.invalidArgument, "packing needs at least one summand, got \(maxSummands)")
        }
        guard modulusBits >= 64 else {
            throw ApiaryError(.invalidArgument, "modulus of \(modulusBits) bits is too small for packing")
        }
        self.valueBits = valueBits
        self.maxSummands = maxSummands
        self.modulusBits = modulusBits
        guard slotWidth <= 63 else {
            throw ApiaryError(.invalidArgument, "slot width \(slotWidth) exceeds 63 bits; lower the value bits or the summands")
        }
        guard slotsPerPlaintext >= 1 else {
            throw ApiaryError(.invalidArgument, "a \(slotWidth)-bit slot does not fit a \(modulusBits)-bit plaintext")
        }
    }

    /// Number of plaintexts (ciphertexts) needed for `count` values.
    public func plaintextCount(for count: Int) -> Int { (count + slotsPerPlaintext - 1) / slotsPerPlaintext }

    static func ceilLog2(_ value: Int) -> Int {
        value <= 1 ? 0 : Int.bitWidth - (value - 1).leadingZeroBitCount
    }
}
