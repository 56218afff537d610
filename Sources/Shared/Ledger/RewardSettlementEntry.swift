/// Credits a committed round's rewards to the contributors' balances. Kept apart from the round
/// commitment so that rewards become spendable only once the round is settled, and so that a
/// round is paid at most once (the verifier checks both).
public struct RewardSettlementEntry: Sendable, Equatable {
    /// The round being paid; it must have a commitment earlier in the ledger.
    public var roundId: UInt64
    /// The credits minted, sorted by party id; must equal the commitment's rewards.
    public var credits: [RewardLine]
    /// The sum of `credits`, stated so a reader sees the minted amount at a glance.
    public var totalCredits: UInt64

    /// A settlement; `credits` is put into canonical order.
    public init(roundId: UInt64, credits: [RewardLine], totalCredits: UInt64) {
        self.roundId = roundId
        self.credits = CanonicalOrder.sorted(credits) { $0.partyId }
        self.totalCredits = totalCredits
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt64(roundId)
        writer.writeList(credits) { $1.encode(into: &$0) }
        writer.writeUInt64(totalCredits)
    }

    init(from reader: inout CanonicalReader) throws {
        roundId = try reader.readUInt64("round id")
        credits = try reader.readList("credits") { try RewardLine(from: &$0) }
        try CanonicalOrder.requireAscending(credits.map(\.partyId), "credits")
        totalCredits = try reader.readUInt64("total credits")
    }
}
