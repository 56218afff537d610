/// The consortium's privacy rules fixed at genesis: per-institution caps and per-round limits.
public struct PrivacyPolicy: Sendable, Equatable {
    /// The fewest distinct contributors a round needs before its aggregate may be decrypted (t_min).
    public var minimumContributors: UInt32
    /// The largest epsilon one round may spend, in millionths.
    public var perRoundEpsilonMicros: UInt64
    /// The largest delta one round may spend, in units of 1e-18.
    public var perRoundDeltaAttos: UInt64
    /// Each institution's total cap, sorted by party id.
    public var institutionCaps: [InstitutionBudgetCap]

    /// A privacy policy; `institutionCaps` is put into canonical order.
    public init(minimumContributors: UInt32, perRoundEpsilonMicros: UInt64, perRoundDeltaAttos: UInt64,
                institutionCaps: [InstitutionBudgetCap]) {
        self.minimumContributors = minimumContributors
        self.perRoundEpsilonMicros = perRoundEpsilonMicros
        self.perRoundDeltaAttos = perRoundDeltaAttos
        self.institutionCaps = CanonicalOrder.sorted(institutionCaps) { $0.partyId }
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt32(minimumContributors)
        writer.writeUInt64(perRoundEpsilonMicros)
        writer.writeUInt64(perRoundDeltaAttos)
        writer.writeList(institutionCaps) { $1.encode(into: &$0) }
    }

    init(from reader: inout CanonicalReader) throws {
        minimumContributors = try reader.readUInt32("minimum contributors")
        perRoundEpsilonMicros = try reader.readUInt64("per-round epsilon")
        perRoundDeltaAttos = try reader.readUInt64("per-round delta")
        institutionCaps = try reader.readList("institution caps") { try InstitutionBudgetCap(from: &$0) }
        try CanonicalOrder.requireAscending(institutionCaps.map(\.partyId), "institution caps")
    }
}
