/// One institution's contribution to a round, as listed in the round commitment.
public struct ContributionRecord: Sendable, Equatable {
    /// The contributing institution.
    public var partyId: String
    /// SHA-256 of the encrypted update exactly as the agent uploaded it.
    public var updateHash: [UInt8]
    /// The agent's Ed25519 signature over `ContributionRecord.signedMessage(roundId:updateHash:)`.
    public var updateSignature: [UInt8]
    /// The record count the agent reported, with its noise (may be negative).
    public var noisedRecordCount: Int64
    /// Epsilon this round spent of this institution's budget, in millionths.
    public var epsilonSpentMicros: UInt64
    /// The institution's total epsilon after this round as its accountant computed it, in millionths.
    public var cumulativeEpsilonMicros: UInt64
    /// The institution's total delta after this round, in units of 1e-18.
    public var cumulativeDeltaAttos: UInt64

    /// A contribution record.
    public init(partyId: String, updateHash: [UInt8], updateSignature: [UInt8], noisedRecordCount: Int64,
                epsilonSpentMicros: UInt64, cumulativeEpsilonMicros: UInt64, cumulativeDeltaAttos: UInt64) {
        self.partyId = partyId
        self.updateHash = updateHash
        self.updateSignature = updateSignature
        self.noisedRecordCount = noisedRecordCount
        self.epsilonSpentMicros = epsilonSpentMicros
        self.cumulativeEpsilonMicros = cumulativeEpsilonMicros
        self.cumulativeDeltaAttos = cumulativeDeltaAttos
    }

    /// The bytes an agent signs for its update: the ASCII domain "apiary-update-v1", a zero byte,
    /// the round id as a big-endian u64, and the 32-byte update hash. Binding the round id stops
    /// a coordinator from replaying an update in another round.
    public static func signedMessage(roundId: UInt64, updateHash: [UInt8]) -> [UInt8] {
        var writer = CanonicalWriter()
        for byte in "apiary-update-v1".utf8 { writer.writeUInt8(byte) }
        writer.writeUInt8(0)
        writer.writeUInt64(roundId)
        writer.writeFixed(updateHash, count: 32)
        return writer.bytes
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(partyId)
        writer.writeFixed(updateHash, count: 32)
        writer.writeFixed(updateSignature, count: 64)
        writer.writeInt64(noisedRecordCount)
        writer.writeUInt64(epsilonSpentMicros)
        writer.writeUInt64(cumulativeEpsilonMicros)
        writer.writeUInt64(cumulativeDeltaAttos)
    }

    init(from reader: inout CanonicalReader) throws {
        partyId = try reader.readString("contributor")
        updateHash = try reader.readFixed(32, "update hash")
        updateSignature = try reader.readFixed(64, "update signature")
        noisedRecordCount = try reader.readInt64("noised record count")
        epsilonSpentMicros = try reader.readUInt64("epsilon spent")
        cumulativeEpsilonMicros = try reader.readUInt64("cumulative epsilon")
        cumulativeDeltaAttos = try reader.readUInt64("cumulative delta")
    }
}
