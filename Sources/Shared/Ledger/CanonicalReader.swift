/// Parses the canonical binary encoding written by `CanonicalWriter`, rejecting anything a
/// canonical writer could not have produced (short input, invalid UTF-8, booleans other than 0
/// or 1, trailing bytes), so that one value has exactly one encoding and one leaf hash.
public struct CanonicalReader: Sendable {
    private let bytes: [UInt8]
    /// The offset of the next unread byte.
    public private(set) var offset: Int

    /// Upper bound on any string, in bytes; a party id or a dataset name never comes close,
    /// and the bound stops a corrupted length from claiming gigabytes.
    public static let maximumStringLength = 4_096

    /// A reader positioned at the start of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// How many bytes are left.
    public var remaining: Int { bytes.count - offset }

    /// Reads one byte.
    public mutating func readUInt8(_ field: String) throws -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian u16.
    public mutating func readUInt16(_ field: String) throws -> UInt16 { UInt16(try readBigEndian(2, field)) }

    /// Reads a big-endian u32.
    public mutating func readUInt32(_ field: String) throws -> UInt32 { UInt32(try readBigEndian(4, field)) }

    /// Reads a big-endian u64.
    public mutating func readUInt64(_ field: String) throws -> UInt64 { try readBigEndian(8, field) }

    /// Reads a big-endian two's-complement i64.
    public mutating func readInt64(_ field: String) throws -> Int64 { Int64(bitPattern: try readBigEndian(8, field)) }

    /// Reads a boolean byte; anything but 0 or 1 is not canonical.
    public mutating func readBool(_ field: String) throws -> Bool {
        switch try readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw ApiaryError(.invalidEncoding, "\(field): boolean byte \(other) is neither 0 nor 1")
        }
    }

    /// Reads exactly `count` raw bytes.
    public mutating func readFixed(_ count: Int, _ field: String) throws -> [UInt8] {
        try need(count, field)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a u32-length-prefixed byte string.
    public mutating func readBytes(_ field: String) throws -> [UInt8] {
        let length = Int(try readUInt32("\(field) length"))
        return try readFixed(length, field)
    }

    /// Reads a u32-length-prefixed UTF-8 string, rejecting invalid UTF-8 and overlong strings.
    public mutating func readString(_ field: String) throws -> String {
        let length = Int(try readUInt32("\(field) length"))
        guard length <= Self.maximumStringLength else {
            throw ApiaryError(.invalidEncoding, "\(field): string of \(length) bytes exceeds \(Self.maximumStringLength)")
        }
        let raw = try readFixed(length, field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw ApiaryError(.invalidEncoding, "\(field): not valid UTF-8")
        }
        return text
    }

    /// Reads a u32-count-prefixed list. Each element takes at least one byte, so a count larger
    /// than the bytes left is rejected before anything is allocated.
    public mutating func readList<Element>(_ field: String, _ element: (inout CanonicalReader) throws -> Element) throws -> [Element] {
        let count = Int(try readUInt32("\(field) count"))
        guard count <= remaining else {
            throw ApiaryError(.invalidEncoding, "\(field): count \(count) exceeds the \(remaining) bytes left")
        }
        var values: [Element] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try element(&self)) }
        return values
    }

    /// Throws unless every byte has been consumed: trailing bytes would give one value two encodings.
    public func expectEnd(_ what: String) throws {
        guard remaining == 0 else {
            throw ApiaryError(.invalidEncoding, "\(what): \(remaining) trailing bytes after the last field")
        }
    }

    private mutating func need(_ count: Int, _ field: String) throws {
        guard count >= 0, count <= remaining else {
            throw ApiaryError(.invalidEncoding, "\(field): needs \(count) bytes, only \(remaining) left")
        }
    }

    private mutating func readBigEndian(_ width: Int, _ field: String) throws -> UInt64 {
        try need(width, field)
        var value: UInt64 = 0
        for index in offset..<offset + width { value = value << 8 | UInt64(bytes[index]) }
        offset += width
        return value
    }
}
