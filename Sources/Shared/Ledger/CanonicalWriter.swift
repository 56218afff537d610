/// Builds the canonical binary encoding of ledger structures (docs/ledger.md, "Primitive
/// encodings"): big-endian fixed-width integers, length-prefixed byte strings and UTF-8
/// strings, count-prefixed lists. Every encoder in the ledger goes through this one type so the
/// byte layout is decided in one place.
public struct CanonicalWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends one byte.
    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends a 16-bit unsigned integer, big-endian.
    public mutating func writeUInt16(_ value: UInt16) { appendBigEndian(UInt64(value), width: 2) }

    /// Appends a 32-bit unsigned integer, big-endian.
    public mutating func writeUInt32(_ value: UInt32) { appendBigEndian(UInt64(value), width: 4) }

    /// Appends a 64-bit unsigned integer, big-endian.
    public mutating func writeUInt64(_ value: UInt64) { appendBigEndian(value, width: 8) }

    /// Appends a 64-bit signed integer as its two's-complement bit pattern, big-endian.
    public mutating func writeInt64(_ value: Int64) { writeUInt64(UInt64(bitPattern: value)) }

    /// Appends a boolean as one byte, 0 or 1.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends exactly `count` raw bytes (hashes, keys, signatures) with no length prefix.
    /// Why a precondition: every fixed-width field is validated when its value is built, so a
    /// wrong length here can only be a programming error.
    public mutating func writeFixed(_ value: [UInt8], count: Int) {
        precondition(value.count == count, "fixed-width field of \(count) bytes given \(value.count)")
        bytes.append(contentsOf: value)
    }

    /// Appends a byte string: a u32 length, then the bytes.
    public mutating func writeBytes(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt32.max), "byte string too long for a u32 length")
        writeUInt32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a UTF-8 string: a u32 byte length, then the UTF-8 bytes (no terminator).
    public mutating func writeString(_ value: String) { writeBytes(Array(value.utf8)) }

    /// Appends a list: a u32 element count, then each element written by `element`.
    public mutating func writeList<Element>(_ values: [Element], _ element: (inout CanonicalWriter, Element) -> Void) {
        precondition(values.count <= Int(UInt32.max), "list too long for a u32 count")
        writeUInt32(UInt32(values.count))
        for value in values { element(&self, value) }
    }

    private mutating func appendBigEndian(_ value: UInt64, width: Int) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
