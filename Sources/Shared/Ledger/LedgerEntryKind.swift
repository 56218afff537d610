/// The first byte of every entry's encoding.
public enum LedgerEntryKind: UInt8, Sendable, CaseIterable {
    /// `GenesisEntry`.
    case genesis = 1
    /// `MembershipChangeEntry`.
    case membershipChange = 2
    /// `RoundCommitmentEntry`.
    case roundCommitment = 3
    /// `RewardSettlementEntry`.
    case rewardSettlement = 4
    /// `DatasetPublicationEntry`.
    case datasetPublication = 5
    /// `LicenceGrantEntry`.
    case licenceGrant = 6
    /// `DatasetRejectionEntry`.
    case datasetRejection = 7

    /// The name used in JSON and messages.
    public var name: String {
        switch self {
        case .genesis: return "genesis"
        case .membershipChange: return "membership_change"
        case .roundCommitment: return "round_commitment"
        case .rewardSettlement: return "reward_settlement"
        case .datasetPublication: return "dataset_publication"
        case .licenceGrant: return "licence_grant"
        case .datasetRejection: return "dataset_rejection"
        }
    }
}
