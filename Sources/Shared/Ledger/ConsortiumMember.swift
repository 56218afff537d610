/// One member of the consortium as recorded in the genesis entry or a membership change.
public struct ConsortiumMember: Sendable, Equatable {
    /// The party id (the common name of its certificate), unique in the consortium.
    public var id: String
    /// What the member may do.
    public var role: MemberRole
    /// The Ed25519 key that signs this member's updates and tree heads (32 bytes).
    public var ledgerKey: [UInt8]
    /// SHA-256 of the DER of the member's TLS client certificate (32 bytes).
    public var certificateFingerprint: [UInt8]
    /// Credits minted to the member when it joins (a researcher's initial allowance); counts
    /// as minted in the reward invariants.
    public var initialCredits: UInt64

    /// A member record.
    public init(id: String, role: MemberRole, ledgerKey: [UInt8], certificateFingerprint: [UInt8], initialCredits: UInt64 = 0) {
        self.id = id
        self.role = role
        self.ledgerKey = ledgerKey
        self.certificateFingerprint = certificateFingerprint
        self.initialCredits = initialCredits
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(id)
        writer.writeUInt8(role.rawValue)
        writer.writeFixed(ledgerKey, count: 32)
        writer.writeFixed(certificateFingerprint, count: 32)
        writer.writeUInt64(initialCredits)
    }

    init(from reader: inout CanonicalReader) throws {
        id = try reader.readString("member id")
        let rawRole = try reader.readUInt8("member role")
        guard let role = MemberRole(rawValue: rawRole) else {
            throw ApiaryError(.invalidEncoding, "member '\(id)': unknown role \(rawRole)")
        }
        self.role = role
        ledgerKey = try reader.readFixed(32, "member ledger key")
        certificateFingerprint = try reader.readFixed(32, "member certificate fingerprint")
        initialCredits = try reader.readUInt64("member initial credits")
    }
}
