/// Who may vouch for an entry and how many must: the coordinator plus `threshold` institutions
/// of the membership in force when the entry was appended (for the genesis entry, its own
/// members). A member vouches for an entry by signing a tree head that covers it.
public struct EndorsementRoster: Sendable {
    /// The coordinator's party id.
    public var coordinatorId: String
    /// The ledger keys of everyone allowed to sign tree heads: the coordinator and the institutions.
    public var keys: [String: Ed25519PublicKey]
    /// How many institutions must vouch, besides the coordinator.
    public var threshold: Int

    /// A roster.
    public init(coordinatorId: String, keys: [String: Ed25519PublicKey], threshold: Int) {
        self.coordinatorId = coordinatorId
        self.keys = keys
        self.threshold = threshold
    }
}
