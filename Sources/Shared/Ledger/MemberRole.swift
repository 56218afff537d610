/// What a consortium member may do on the ledger. Encoded as one byte.
public enum MemberRole: UInt8, Sendable, CaseIterable, Codable {
    /// Runs the coordinator: appends entries and signs every tree head.
    case coordinator = 1
    /// A data-holding institution: contributes updates and co-signs entries.
    case institution = 2
    /// Buys dataset licences with credits; never endorses.
    case researcher = 3

    /// The name used in JSON and in messages.
    public var name: String {
        switch self {
        case .coordinator: return "coordinator"
        case .institution: return "institution"
        case .researcher: return "researcher"
        }
    }
}
