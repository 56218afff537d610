/// Adds or removes members, and records the threshold and committee that hold afterwards.
/// When the committee changes the threshold key is re-dealt, and the new key hashes are recorded
/// here; otherwise they repeat the current ones. Nobody else's kit is re-issued.
public struct MembershipChangeEntry: Sendable, Equatable {
    /// Members joining, sorted by id.
    public var added: [ConsortiumMember]
    /// Budget caps of institutions joining, sorted by party id.
    public var addedCaps: [InstitutionBudgetCap]
    /// Ids of members leaving, sorted.
    public var removed: [String]
    /// The threshold t after the change.
    public var threshold: UInt16
    /// The committee after the change, sorted.
    public var committee: [String]
    /// SHA-256 of the Paillier public key in force after the change.
    public var paillierPublicKeyHash: [UInt8]
    /// SHA-256 of the verification keys in force after the change.
    public var verificationKeysHash: [UInt8]
    /// Why the change was made, for the humans reading the ledger.
    public var reason: String

    /// A membership change; lists are put into canonical order.
    public init(added: [ConsortiumMember], addedCaps: [InstitutionBudgetCap], removed: [String], threshold: UInt16,
                committee: [String], paillierPublicKeyHash: [UInt8], verificationKeysHash: [UInt8], reason: String) {
        self.added = CanonicalOrder.sorted(added) { $0.id }
        self.addedCaps = CanonicalOrder.sorted(addedCaps) { $0.partyId }
        self.removed = CanonicalOrder.sorted(removed)
        self.threshold = threshold
        self.committee = CanonicalOrder.sorted(committee)
        self.paillierPublicKeyHash = paillierPublicKeyHash
        self.verificationKeysHash = verificationKeysHash
        self.reason = reason
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeList(added) { $1.encode(into: &$0) }
        writer.writeList(addedCaps) { $1.encode(into: &$0) }
        writer.writeList(removed) { $0.writeString($1) }
        writer.writeUInt16(threshold)
        writer.writeList(committee) { $0.writeString($1) }
        writer.writeFixed(paillierPublicKeyHash, count: 32)
        writer.writeFixed(verificationKeysHash, count: 32)
        writer.writeString(reason)
    }

    init(from reader: inout CanonicalReader) throws {
        added = try reader.readList("added members") { try ConsortiumMember(from: &$0) }
        try CanonicalOrder.requireAscending(added.map(\.id), "added members")
        addedCaps = try reader.readList("added caps") { try InstitutionBudgetCap(from: &$0) }
        try CanonicalOrder.requireAscending(addedCaps.map(\.partyId), "added caps")
        removed = try reader.readList("removed members") { try $0.readString("removed member") }
        try CanonicalOrder.requireAscending(removed, "removed members")
        threshold = try reader.readUInt16("threshold")
        committee = try reader.readList("committee") { try $0.readString("committee member") }
        try CanonicalOrder.requireAscending(committee, "committee")
        paillierPublicKeyHash = try reader.readFixed(32, "Paillier public key hash")
        verificationKeysHash = try reader.readFixed(32, "verification keys hash")
        reason = try reader.readString("reason")
    }
}
