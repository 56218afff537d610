/// The Paillier packing layout of a round (design section 5.2), recorded so anyone can decode
/// the aggregate the same way.
public struct PackingParameters: Sendable, Equatable {
    /// Bits of the Paillier modulus n (2048 or 3072).
    public var modulusBits: UInt32
    /// Bits b of each quantised value.
    public var valueBits: UInt8
    /// The most summands K a slot is sized for.
    public var maximumSummands: UInt32

    /// A packing layout.
    public init(modulusBits: UInt32, valueBits: UInt8, maximumSummands: UInt32) {
        self.modulusBits = modulusBits
        self.valueBits = valueBits
        self.maximumSummands = maximumSummands
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt32(modulusBits)
        writer.writeUInt8(valueBits)
        writer.writeUInt32(maximumSummands)
    }

    init(from reader: inout CanonicalReader) throws {
        modulusBits = try reader.readUInt32("packing modulus bits")
        valueBits = try reader.readUInt8("packing value bits")
        maximumSummands = try reader.readUInt32("packing maximum summands")
    }
}
