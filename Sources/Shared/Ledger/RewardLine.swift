/// Credits for one party: a line of a round's rewards or of a settlement.
public struct RewardLine: Sendable, Equatable {
    /// Who receives the credits.
    public var partyId: String
    /// How many credits.
    public var credits: UInt64

    /// A reward line.
    public init(partyId: String, credits: UInt64) {
        self.partyId = partyId
        self.credits = credits
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(partyId)
        writer.writeUInt64(credits)
    }

    init(from reader: inout CanonicalReader) throws {
        partyId = try reader.readString("reward party")
        credits = try reader.readUInt64("reward credits")
    }
}
