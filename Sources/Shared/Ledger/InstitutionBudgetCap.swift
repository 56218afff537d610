/// The total privacy budget one institution allows the consortium to spend on its data.
/// Fixed point: epsilon in millionths, delta in units of 1e-18 (docs/ledger.md, "Fixed point").
public struct InstitutionBudgetCap: Sendable, Equatable {
    /// The institution's party id.
    public var partyId: String
    /// The epsilon cap in millionths (1.5 is 1_500_000).
    public var epsilonMicros: UInt64
    /// The delta cap in units of 1e-18 (1e-6 is 1_000_000_000_000).
    public var deltaAttos: UInt64

    /// A budget cap.
    public init(partyId: String, epsilonMicros: UInt64, deltaAttos: UInt64) {
        self.partyId = partyId
        self.epsilonMicros = epsilonMicros
        self.deltaAttos = deltaAttos
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(partyId)
        writer.writeUInt64(epsilonMicros)
        writer.writeUInt64(deltaAttos)
    }

    init(from reader: inout CanonicalReader) throws {
        partyId = try reader.readString("budget cap party")
        epsilonMicros = try reader.readUInt64("budget cap epsilon")
        deltaAttos = try reader.readUInt64("budget cap delta")
    }
}
