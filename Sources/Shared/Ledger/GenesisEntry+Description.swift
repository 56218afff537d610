import Foundation

extension GenesisEntry {
    /// The consortium's default reward policy (docs/ledger.md, "Rewards"): 100 credits for
    /// taking part in a round, 50 per thousand noised records, a quality floor of 0.5 and a
    /// licence price of 150 credits.
    public static let defaultRewardPolicy = RewardPolicy(participationCredits: 100, creditsPerThousandRecords: 50,
                                                         qualityFloorPPM: 500_000, licencePriceCredits: 150)
    /// Credits each researcher starts with, so it can license datasets.
    public static let researcherInitialCredits: UInt64 = 1_000

    /// The genesis entry of the ledger, derived deterministically from the key ceremony's
    /// description, so that the coordinator and every agent build the same entry (and pin the
    /// same leaf hash) from their kits alone. The mapping is specified in docs/ledger.md.
    ///
    /// - members: coordinator -> coordinator, agent -> institution (with a budget cap of the
    ///   policy's epsilon and delta), researcher -> researcher (with `researcherInitialCredits`);
    /// - privacy policy: at least `threshold` contributors per round; a round may spend at most
    ///   the whole per-institution budget;
    /// - packing: the key's modulus, 16-bit values, at most as many summands as institutions
    ///   (each round commitment records the packing it actually used).
    public init(description: GenesisDescription) throws {
        func bytes(_ hex: String, _ what: String) throws -> [UInt8] {
            guard let value = [UInt8](hexString: hex), value.count == 32 else {
                throw ApiaryError(.invalidEncoding, "genesis description: \(what) is not 32 bytes of hex")
            }
            return value
        }
        let epsilonMicros = UInt64((description.privacyPolicy.epsilonPerInstitution * 1e6).rounded(.down))
        let deltaAttos = UInt64((description.privacyPolicy.deltaPerInstitution * 1e18).rounded(.down))
        var members: [ConsortiumMember] = []
        var caps: [InstitutionBudgetCap] = []
        for member in description.members {
            let key = try bytes(member.ledgerPublicKey, "the ledger key of \(member.name)")
            let fingerprint = try bytes(member.certificateSHA256, "the certificate fingerprint of \(member.name)")
            switch member.role {
            case .coordinator:
                members.append(ConsortiumMember(id: member.name, role: .coordinator, ledgerKey: key, certificateFingerprint: fingerprint))
            case .agent:
                members.append(ConsortiumMember(id: member.name, role: .institution, ledgerKey: key, certificateFingerprint: fingerprint))
                caps.append(InstitutionBudgetCap(partyId: member.name, epsilonMicros: epsilonMicros, deltaAttos: deltaAttos))
            case .researcher:
                members.append(ConsortiumMember(id: member.name, role: .researcher, ledgerKey: key, certificateFingerprint: fingerprint,
                                                initialCredits: Self.researcherInitialCredits))
            }
        }
        let institutions = UInt32(caps.count)
        self.init(consortiumName: description.consortium, members: members, threshold: UInt16(description.threshold),
                  committee: description.committee.map(\.name),
                  paillierPublicKeyHash: try bytes(description.paillier.publicKeySHA256, "the Paillier key hash"),
                  verificationKeysHash: try bytes(description.verificationKeysSHA256, "the verification keys hash"),
                  packing: PackingParameters(modulusBits: UInt32(description.paillier.modulusBits), valueBits: 16,
                                             maximumSummands: max(1, institutions)),
                  privacyPolicy: PrivacyPolicy(minimumContributors: UInt32(description.threshold), perRoundEpsilonMicros: epsilonMicros,
                                               perRoundDeltaAttos: deltaAttos, institutionCaps: caps),
                  rewardPolicy: Self.defaultRewardPolicy)
    }
}
