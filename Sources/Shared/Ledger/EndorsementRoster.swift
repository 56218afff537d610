/// Who may endorse an entry and how many must: the coordinator plus `threshold` institutions of
/// the membership in force when the entry was appended (for the genesis entry, its own members).
public struct EndorsementRoster: Sendable {
    /// The coordinator's party id.
    public var coordinatorId: String
    /// The ledger keys of everyone allowed to endorse: the coordinator and the institutions.
    public var keys: [String: Ed25519PublicKey]
    /// How many institutions must endorse, besides the coordinator.
    public var threshold: Int

    /// A roster.
    public init(coordinatorId: String, keys: [String: Ed25519PublicKey], threshold: Int) {
        self.coordinatorId = coordinatorId
        self.keys = keys
        self.threshold = threshold
    }

    /// Whether valid endorsements by `signers` make an entry final.
    public func isFinal(signers: Set<String>) -> Bool {
        signers.contains(coordinatorId) && signers.filter { $0 != coordinatorId && keys[$0] != nil }.count >= threshold
    }
}
