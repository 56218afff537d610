/// The first entry of every ledger: who is in the consortium, their keys, the threshold and
/// the policies every later entry is checked against.
public struct GenesisEntry: Sendable, Equatable {
    /// The consortium's name.
    public var consortiumName: String
    /// All members, sorted by id; exactly one has the coordinator role.
    public var members: [ConsortiumMember]
    /// t: how many institutions must co-sign an entry (and hold decryption shares to decrypt).
    public var threshold: UInt16
    /// The institutions holding threshold Paillier key shares, sorted.
    public var committee: [String]
    /// SHA-256 of the joint Paillier public key's encoding.
    public var paillierPublicKeyHash: [UInt8]
    /// SHA-256 of the threshold verification keys' encoding.
    public var verificationKeysHash: [UInt8]
    /// The default packing layout.
    public var packing: PackingParameters
    /// Privacy caps and per-round limits.
    public var privacyPolicy: PrivacyPolicy
    /// Reward formula parameters and the licence price.
    public var rewardPolicy: RewardPolicy

    /// A genesis entry; `members` and `committee` are put into canonical order.
    public init(consortiumName: String, members: [ConsortiumMember], threshold: UInt16, committee: [String],
                paillierPublicKeyHash: [UInt8], verificationKeysHash: [UInt8], packing: PackingParameters,
                privacyPolicy: PrivacyPolicy, rewardPolicy: RewardPolicy) {
        self.consortiumName = consortiumName
        self.members = CanonicalOrder.sorted(members) { $0.id }
        self.threshold = threshold
        self.committee = CanonicalOrder.sorted(committee)
        self.paillierPublicKeyHash = paillierPublicKeyHash
        self.verificationKeysHash = verificationKeysHash
        self.packing = packing
        self.privacyPolicy = privacyPolicy
        self.rewardPolicy = rewardPolicy
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(consortiumName)
        writer.writeList(members) { $1.encode(into: &$0) }
        writer.writeUInt16(threshold)
        writer.writeList(committee) { $0.writeString($1) }
        writer.writeFixed(paillierPublicKeyHash, count: 32)
        writer.writeFixed(verificationKeysHash, count: 32)
        packing.encode(into: &writer)
        privacyPolicy.encode(into: &writer)
        rewardPolicy.encode(into: &writer)
    }

    init(from reader: inout CanonicalReader) throws {
        consortiumName = try reader.readString("consortium name")
        members = try reader.readList("members") { try ConsortiumMember(from: &$0) }
        try CanonicalOrder.requireAscending(members.map(\.id), "members")
        threshold = try reader.readUInt16("threshold")
        committee = try reader.readList("committee") { try $0.readString("committee member") }
        try CanonicalOrder.requireAscending(committee, "committee")
        paillierPublicKeyHash = try reader.readFixed(32, "Paillier public key hash")
        verificationKeysHash = try reader.readFixed(32, "verification keys hash")
        packing = try PackingParameters(from: &reader)
        privacyPolicy = try PrivacyPolicy(from: &reader)
        rewardPolicy = try RewardPolicy(from: &reader)
    }
}
