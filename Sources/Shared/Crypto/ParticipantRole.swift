/// What a party may do in a consortium. It is carried in the OU of the party's certificate and
/// read from there only, never from a request field.
public enum ParticipantRole: String, Sendable, CaseIterable, Codable {
    /// An institution's `apiary-agent`: contributes encrypted updates and holds a key share.
    case agent
    /// A researcher: downloads datasets and checks them against the ledger.
    case researcher
    /// The consortium's `apiary-coordinator` server.
    case coordinator
}
