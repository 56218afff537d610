/// One ledger entry. Its canonical encoding is a two-byte header, the kind and the body's
/// format version, followed by the body (docs/ledger.md); the Merkle leaf is that encoding.
public enum LedgerEntry: Sendable, Equatable {
    /// The first entry: members, keys, threshold, policies.
    case genesis(GenesisEntry)
    /// Members join or leave.
    case membershipChange(MembershipChangeEntry)
    /// A finished round.
    case roundCommitment(RoundCommitmentEntry)
    /// A round's rewards credited.
    case rewardSettlement(RewardSettlementEntry)
    /// A synthetic dataset released.
    case datasetPublication(DatasetPublicationEntry)
    /// A researcher's licence, paid by burning credits.
    case licenceGrant(LicenceGrantEntry)
    /// A candidate dataset kept from publication by the quality gate.
    case datasetRejection(DatasetRejectionEntry)

    /// The only body version this code writes and reads. A reader meeting a newer version
    /// must stop rather than guess: it would otherwise hash and check fields it does not know.
    public static let currentVersion: UInt8 = 1

    /// The entry's kind.
    public var kind: LedgerEntryKind {
        switch self {
        case .genesis: return .genesis
        case .membershipChange: return .membershipChange
        case .roundCommitment: return .roundCommitment
        case .rewardSettlement: return .rewardSettlement
        case .datasetPublication: return .datasetPublication
        case .licenceGrant: return .licenceGrant
        case .datasetRejection: return .datasetRejection
        }
    }

    /// The canonical encoding (the Merkle leaf data).
    public func encoded() -> [UInt8] {
        var writer = CanonicalWriter()
        writer.writeUInt8(kind.rawValue)
        writer.writeUInt8(Self.currentVersion)
        switch self {
        case .genesis(let body): body.encode(into: &writer)
        case .membershipChange(let body): body.encode(into: &writer)
        case .roundCommitment(let body): body.encode(into: &writer)
        case .rewardSettlement(let body): body.encode(into: &writer)
        case .datasetPublication(let body): body.encode(into: &writer)
        case .licenceGrant(let body): body.encode(into: &writer)
        case .datasetRejection(let body): body.encode(into: &writer)
        }
        return writer.bytes
    }

    /// The RFC 9162 leaf hash of the encoding, SHA-256(0x00 || encoding).
    public var leafHash: [UInt8] { MerkleTree.leafHash(encoded()) }

    /// Decodes a canonical encoding. Errors name `index` (the entry's position in the ledger)
    /// so a reader knows which entry is bad: an unknown kind or version, a short or overlong
    /// body, or a non-canonical field.
    public init(decoding bytes: [UInt8], index: Int) throws {
        do {
            var reader = CanonicalReader(bytes)
            let rawKind = try reader.readUInt8("entry kind")
            guard let kind = LedgerEntryKind(rawValue: rawKind) else {
                throw ApiaryError(.invalidEncoding, "unknown entry kind \(rawKind)")
            }
            let version = try reader.readUInt8("entry version")
            guard version == Self.currentVersion else {
                throw ApiaryError(.invalidEncoding,
                                  "unsupported \(kind.name) version \(version) (this build reads version \(Self.currentVersion))")
            }
            switch kind {
            case .genesis: self = .genesis(try GenesisEntry(from: &reader))
            case .membershipChange: self = .membershipChange(try MembershipChangeEntry(from: &reader))
            case .roundCommitment: self = .roundCommitment(try RoundCommitmentEntry(from: &reader))
            case .rewardSettlement: self = .rewardSettlement(try RewardSettlementEntry(from: &reader))
            case .datasetPublication: self = .datasetPublication(try DatasetPublicationEntry(from: &reader))
            case .licenceGrant: self = .licenceGrant(try LicenceGrantEntry(from: &reader))
            case .datasetRejection: self = .datasetRejection(try DatasetRejectionEntry(from: &reader))
            }
            try reader.expectEnd(kind.name)
        } catch let error as ApiaryError {
            throw ApiaryError(error.code, "entry \(index): \(error.reason)")
        }
    }
}
