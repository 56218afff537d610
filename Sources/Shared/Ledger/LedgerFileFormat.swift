/// The byte layout of a ledger file (docs/ledger.md, "Ledger file"), kept free of I/O so that
/// damage detection is testable on byte arrays.
///
///     file   = magic "APIARYLG" (8 bytes) || u32 format version (2) || record*
///     record = u32 payload length || u8 type || u32 header check || payload || 32-byte checksum
///
/// The header check is the first 4 bytes of SHA-256(length || type); the checksum is
/// SHA-256(length || type || payload). The header check is what lets a reader tell a torn
/// last write (the file simply ends early) from a damaged length field, which would otherwise
/// also look like "the record runs past the end of the file" and be truncated away.
public enum LedgerFileFormat {
    /// The 8-byte file magic.
    public static let magic: [UInt8] = Array("APIARYLG".utf8)
    /// The format version this code writes and reads. Version 2: record type 2 holds a signed
    /// tree head (transparency-log finality); in version 1 it held a per-entry endorsement.
    public static let formatVersion: UInt32 = 2
    /// Bytes before the first record.
    public static let fileHeaderSize = 12
    /// Bytes of a record's header (length, type, header check).
    public static let recordHeaderSize = 9
    /// Bytes of a record's trailing checksum.
    public static let checksumSize = 32
    /// The largest payload accepted; far above any real entry, it bounds what a damaged
    /// length could make a reader allocate.
    public static let maximumPayload = 64 << 20

    /// The first 4 bytes of SHA-256(length || type).
    static func headerCheck(_ length: ArraySlice<UInt8>, type: UInt8) -> [UInt8] {
        Array(SHA256.hash(Array(length) + [type]).prefix(4))
    }

    /// The file header.
    public static func fileHeader() -> [UInt8] {
        var writer = CanonicalWriter()
        writer.writeFixed(magic, count: 8)
        writer.writeUInt32(formatVersion)
        return writer.bytes
    }

    /// The bytes of one record.
    public static func encode(_ record: LedgerRecord) -> [UInt8] {
        precondition(record.payload.count <= maximumPayload, "ledger record payload over \(maximumPayload) bytes")
        var header = CanonicalWriter()
        header.writeUInt32(UInt32(record.payload.count))
        header.writeUInt8(record.type.rawValue)
        let headerCheck = Array(SHA256.hash(header.bytes).prefix(4))
        var checksum = SHA256()
        checksum.update(header.bytes)
        checksum.update(record.payload)
        var bytes = header.bytes
        bytes.reserveCapacity(recordHeaderSize + record.payload.count + checksumSize)
        bytes += headerCheck
        bytes += record.payload
        bytes += checksum.finalize()
        return bytes
    }

    /// What `parse` found.
    public struct ParseResult: Sendable {
        /// The intact records, in file order.
        public var records: [LedgerRecord]
        /// Bytes from the start of the file to the end of the last intact record.
        public var intactLength: Int
        /// When the file ends in an incomplete record: a description of it, else nil.
        public var tornTail: String?
    }

    /// Parses a whole file. An incomplete last record (or a zero-filled tail, which is what some
    /// file systems leave after a crash) is a torn tail, reported in the result; any other
    /// damage throws a `LedgerFault` naming the entry it hit.
    public static func parse(_ bytes: [UInt8]) throws(LedgerFault) -> ParseResult {
        if bytes.count < fileHeaderSize {
            let expected = fileHeader()
            guard Array(expected.prefix(bytes.count)) == bytes else {
                throw LedgerFault(entryIndex: nil, code: .ledgerCorrupted, reason: "not an Apiary ledger file (bad magic)")
            }
            return ParseResult(records: [], intactLength: 0,
                               tornTail: bytes.isEmpty ? nil : "a file header of \(bytes.count) of \(fileHeaderSize) bytes")
        }
        guard Array(bytes[0..<8]) == magic else {
            throw LedgerFault(entryIndex: nil, code: .ledgerCorrupted, reason: "not an Apiary ledger file (bad magic)")
        }
        var headerReader = CanonicalReader(Array(bytes[8..<12]))
        let version = (try? headerReader.readUInt32("format version")) ?? 0
        guard version == formatVersion else {
            throw LedgerFault(entryIndex: nil, code: .ledgerCorrupted,
                              reason: "ledger file format version \(version) is not supported (this build reads \(formatVersion))")
        }

        var records: [LedgerRecord] = []
        var offset = fileHeaderSize
        var entryCount = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            // Where a fault in this record is reported: the entry it holds, or for a signed
            // head the entry before it (a head follows the entries it covers).
            let location = "record \(records.count) at byte \(offset)"
            if remaining < recordHeaderSize || bytes[offset...].allSatisfy({ $0 == 0 }) {
                return ParseResult(records: records, intactLength: offset,
                                   tornTail: "\(remaining) bytes of an incomplete \(location)")
            }
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let rawType = bytes[offset + 4]
            let storedCheck = Array(bytes[offset + 5..<offset + 9])
            let expectedCheck = headerCheck(bytes[offset..<offset + 4], type: rawType)
            // A damaged header's type byte cannot be trusted for naming the entry: if the check
            // matches the length with the other type, the type byte is what changed.
            var apparentType = rawType
            if storedCheck != expectedCheck {
                for candidate in [LedgerRecordType.entry, .signedTreeHead] where headerCheck(bytes[offset..<offset + 4], type: candidate.rawValue) == storedCheck {
                    apparentType = candidate.rawValue
                }
            }
            let faultIndex = apparentType == LedgerRecordType.signedTreeHead.rawValue ? max(entryCount - 1, 0) : entryCount
            guard storedCheck == expectedCheck else {
                throw LedgerFault(entryIndex: faultIndex, code: .ledgerCorrupted,
                                  reason: "damaged record header (\(location)): the length or type bytes were changed")
            }
            guard let type = LedgerRecordType(rawValue: rawType), length <= maximumPayload else {
                throw LedgerFault(entryIndex: faultIndex, code: .ledgerCorrupted,
                                  reason: "record type \(rawType) or length \(length) not allowed (\(location))")
            }
            let end = offset + recordHeaderSize + length + checksumSize
            if end > bytes.count {
                return ParseResult(records: records, intactLength: offset,
                                   tornTail: "\(remaining) of \(end - offset) bytes of \(location)")
            }
            let payload = Array(bytes[offset + recordHeaderSize..<offset + recordHeaderSize + length])
            var checksum = SHA256()
            checksum.update(Array(bytes[offset..<offset + 5]))
            checksum.update(payload)
            guard checksum.finalize()[...] == bytes[end - checksumSize..<end] else {
                let what = type == .entry ? "entry" : "signed tree head"
                throw LedgerFault(entryIndex: faultIndex, code: .ledgerCorrupted,
                                  reason: "checksum mismatch in the \(what) (\(location)): a byte was changed")
            }
            records.append(LedgerRecord(type: type, payload: payload))
            if type == .entry { entryCount += 1 }
            offset = end
        }
        return ParseResult(records: records, intactLength: offset, tornTail: nil)
    }
}
