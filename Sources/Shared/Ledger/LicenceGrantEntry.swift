/// A researcher buys a licence to a published dataset; the credits are burned.
public struct LicenceGrantEntry: Sendable, Equatable {
    /// The researcher's party id.
    public var researcherId: String
    /// The licensed dataset.
    public var datasetId: String
    /// Credits burned; at least the policy's licence price.
    public var creditsSpent: UInt64

    /// A licence grant.
    public init(researcherId: String, datasetId: String, creditsSpent: UInt64) {
        self.researcherId = researcherId
        self.datasetId = datasetId
        self.creditsSpent = creditsSpent
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(researcherId)
        writer.writeString(datasetId)
        writer.writeUInt64(creditsSpent)
    }

    init(from reader: inout CanonicalReader) throws {
        researcherId = try reader.readString("researcher id")
        datasetId = try reader.readString("dataset id")
        creditsSpent = try reader.readUInt64("credits spent")
    }
}
