/// The state of the ledger's Merkle tree at one moment: size, root and when it was taken.
public struct TreeHead: Sendable, Equatable {
    /// Number of entries.
    public var size: UInt64
    /// The RFC 9162 root over the first `size` entries (32 bytes).
    public var root: [UInt8]
    /// Milliseconds since the Unix epoch (UTC) when the head was signed.
    public var timestampMillis: UInt64

    /// A tree head.
    public init(size: UInt64, root: [UInt8], timestampMillis: UInt64) {
        self.size = size
        self.root = root
        self.timestampMillis = timestampMillis
    }

    /// The 48-byte encoding that signatures cover: u64 size, 32-byte root, u64 timestamp.
    public func encoded() -> [UInt8] {
        var writer = CanonicalWriter()
        encode(into: &writer)
        return writer.bytes
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt64(size)
        writer.writeFixed(root, count: 32)
        writer.writeUInt64(timestampMillis)
    }

    init(from reader: inout CanonicalReader) throws {
        size = try reader.readUInt64("tree head size")
        root = try reader.readFixed(32, "tree head root")
        timestampMillis = try reader.readUInt64("tree head timestamp")
    }
}
