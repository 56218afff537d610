/// A partial decryption the coordinator combined into the round's result.
public struct DecryptionShareRecord: Sendable, Equatable {
    /// The committee member that produced the share.
    public var partyId: String
    /// SHA-256 of the share's encoding.
    public var shareHash: [UInt8]
    /// SHA-256 of its proof of correct decryption.
    public var proofHash: [UInt8]

    /// A share record.
    public init(partyId: String, shareHash: [UInt8], proofHash: [UInt8]) {
        self.partyId = partyId
        self.shareHash = shareHash
        self.proofHash = proofHash
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(partyId)
        writer.writeFixed(shareHash, count: 32)
        writer.writeFixed(proofHash, count: 32)
    }

    init(from reader: inout CanonicalReader) throws {
        partyId = try reader.readString("share party")
        shareHash = try reader.readFixed(32, "share hash")
        proofHash = try reader.readFixed(32, "proof hash")
    }
}
