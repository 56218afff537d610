/// The consortium's state obtained by replaying the ledger entry by entry: membership, policies,
/// privacy budgets spent, balances, rounds and datasets. `apply` checks every rule of
/// docs/ledger.md ("What a verifier checks") before changing anything, and returns the
/// signatures the entry carries so the caller can check them (in parallel) afterwards.
public struct LedgerState: Sendable {
    /// Entries applied so far.
    public private(set) var entryCount = 0
    /// The genesis entry, once applied.
    public private(set) var genesis: GenesisEntry?
    /// Current members by id.
    public private(set) var members: [String: ConsortiumMember] = [:]
    /// Current co-signing threshold t.
    public private(set) var threshold = 0
    /// Current committee.
    public private(set) var committee: Set<String> = []
    /// SHA-256 of the Paillier public key in force.
    public private(set) var paillierPublicKeyHash: [UInt8] = []
    /// SHA-256 of the verification keys in force.
    public private(set) var verificationKeysHash: [UInt8] = []
    /// Budget caps by institution.
    public private(set) var budgetCaps: [String: InstitutionBudgetCap] = [:]
    /// Cumulative epsilon spent by institution, in millionths.
    public private(set) var cumulativeEpsilonMicros: [String: UInt64] = [:]
    /// Cumulative delta spent by institution, in units of 1e-18.
    public private(set) var cumulativeDeltaAttos: [String: UInt64] = [:]
    /// Credit balances by party.
    public private(set) var balances: [String: UInt64] = [:]
    /// All credits ever minted (initial allowances and settled rewards).
    public private(set) var mintedCredits: UInt64 = 0
    /// All credits ever burned (licences).
    public private(set) var burnedCredits: UInt64 = 0
    /// Committed rounds by id.
    public var rounds: [UInt64: CommittedRound] { registries.rounds }
    /// The highest round id committed.
    public private(set) var lastRoundId: UInt64?
    /// Settled rounds: round id to the settlement's entry index.
    public var settledRounds: [UInt64: Int] { registries.settledRounds }
    /// Published datasets by id.
    public var datasets: [String: PublishedDataset] { registries.datasets }
    /// Candidates the quality gate kept from publication, by dataset id.
    public var rejectedDatasets: [String: RejectedDataset] { registries.rejectedDatasets }
    /// Licences granted: (researcher, dataset) pairs.
    public var licences: Set<[String]> { registries.licences }
    private var memberKeys: [String: Ed25519PublicKey] = [:]
    private var registries = Registries()

    /// The collections that grow with the ledger. Rules only add to them after every check of
    /// an entry has passed, which lets `apply` avoid copying them (see there).
    private struct Registries: Sendable {
        var rounds: [UInt64: CommittedRound] = [:]
        var settledRounds: [UInt64: Int] = [:]
        var datasets: [String: PublishedDataset] = [:]
        var rejectedDatasets: [String: RejectedDataset] = [:]
        var licences: Set<[String]> = []
        var indexByLeafHash: [[UInt8]: Int] = [:]
    }

    /// An empty state, before genesis.
    public init() {}

    /// The genesis privacy policy (nil before genesis).
    public var privacyPolicy: PrivacyPolicy? { genesis?.privacyPolicy }

    /// The genesis reward policy (nil before genesis).
    public var rewardPolicy: RewardPolicy? { genesis?.rewardPolicy }

    /// Who may vouch for (sign heads covering) the next entry appended to this state.
    public var roster: EndorsementRoster {
        let coordinator = members.values.first { $0.role == .coordinator }?.id ?? ""
        let keys = memberKeys.filter { members[$0.key]?.role == .coordinator || members[$0.key]?.role == .institution }
        return EndorsementRoster(coordinatorId: coordinator, keys: keys, threshold: threshold)
    }

    /// The ledger key of a current member.
    public func key(of partyId: String) -> Ed25519PublicKey? { memberKeys[partyId] }

    /// Checks `entry` as the entry at `index` (with leaf hash `leafHash`, and `rootBefore` the
    /// tree root over the entries before it) and applies it. Throws the first rule broken as a
    /// `LedgerFault` at `index`, leaving the state unchanged.
    public mutating func apply(_ entry: LedgerEntry, index: Int, leafHash: [UInt8], rootBefore: [UInt8]) throws -> [SignatureCheck] {
        guard index == entryCount else {
            throw fault(index, "expected entry \(entryCount) next")
        }
        if let earlier = registries.indexByLeafHash[leafHash] {
            throw fault(index, "duplicates entry \(earlier) (same leaf hash)")
        }
        // Why the swap: `next` is a copy so a failed entry leaves `self` unchanged, but copying
        // the registries on every entry would make a replay quadratic. Moving them out of
        // `self` leaves `next` their only owner, so they are mutated in place; they are only
        // mutated after all checks passed, so on failure they are handed back untouched.
        var next = self
        registries = Registries()
        defer { if next.entryCount == entryCount { registries = next.registries } }
        var checks: [SignatureCheck] = []
        switch entry {
        case .genesis(let body):
            guard index == 0 else { throw fault(index, "a genesis entry may only be entry 0") }
            try next.applyGenesis(body, index: index)
        case .membershipChange(let body):
            try requireGenesis(index)
            try next.applyMembershipChange(body, index: index)
        case .roundCommitment(let body):
            try requireGenesis(index)
            checks = try next.applyRoundCommitment(body, index: index, rootBefore: rootBefore)
        case .rewardSettlement(let body):
            try requireGenesis(index)
            try next.applySettlement(body, index: index)
        case .datasetPublication(let body):
            try requireGenesis(index)
            try next.applyPublication(body, index: index)
        case .licenceGrant(let body):
            try requireGenesis(index)
            try next.applyLicence(body, index: index)
        case .datasetRejection(let body):
            try requireGenesis(index)
            try next.applyRejection(body, index: index)
        }
        try next.checkCreditInvariants(index: index)
        next.registries.indexByLeafHash[leafHash] = index
        next.entryCount += 1
        self = next
        return checks
    }

    // MARK: - Entry rules

    private func requireGenesis(_ index: Int) throws {
        guard genesis != nil else { throw fault(index, "entry 0 must be the genesis entry") }
    }

    private mutating func applyGenesis(_ body: GenesisEntry, index: Int) throws {
        guard !body.consortiumName.isEmpty else { throw fault(index, "the consortium name is empty") }
        for member in body.members { try admit(member, index: index) }
        let coordinators = body.members.filter { $0.role == .coordinator }
        guard coordinators.count == 1 else {
            throw fault(index, "genesis names \(coordinators.count) coordinators; exactly one is required")
        }
        try setCommittee(body.committee, threshold: body.threshold, index: index)
        for cap in body.privacyPolicy.institutionCaps { try setCap(cap, index: index) }
        guard body.privacyPolicy.minimumContributors >= 1 else {
            throw fault(index, "the privacy policy needs at least one contributor per round")
        }
        guard body.rewardPolicy.qualityFloorPPM <= 1_000_000 else {
            throw fault(index, "the reward policy's quality floor \(body.rewardPolicy.qualityFloorPPM) exceeds 1,000,000 ppm")
        }
        paillierPublicKeyHash = body.paillierPublicKeyHash
        verificationKeysHash = body.verificationKeysHash
        genesis = body
    }

    private mutating func applyMembershipChange(_ body: MembershipChangeEntry, index: Int) throws {
        guard !(body.added.isEmpty && body.removed.isEmpty && Set(body.committee) == committee && UInt16(threshold) == body.threshold) else {
            throw fault(index, "the membership change changes nothing")
        }
        for id in body.removed {
            guard members[id] != nil else { throw fault(index, "removes '\(id)', who is not a member") }
            members[id] = nil
            memberKeys[id] = nil
            budgetCaps[id] = nil
        }
        for member in body.added { try admit(member, index: index) }
        guard members.values.filter({ $0.role == .coordinator }).count == 1 else {
            throw fault(index, "after the change there must be exactly one coordinator")
        }
        for cap in body.addedCaps {
            guard body.added.contains(where: { $0.id == cap.partyId }) else {
                throw fault(index, "a budget cap for '\(cap.partyId)', who is not being added")
            }
            try setCap(cap, index: index)
        }
        try setCommittee(body.committee, threshold: body.threshold, index: index)
        paillierPublicKeyHash = body.paillierPublicKeyHash
        verificationKeysHash = body.verificationKeysHash
    }

    private mutating func applyRoundCommitment(_ body: RoundCommitmentEntry, index: Int, rootBefore: [UInt8]) throws -> [SignatureCheck] {
        let policy = genesis!.privacyPolicy
        let rewardPolicy = genesis!.rewardPolicy
        if let last = lastRoundId, body.roundId <= last {
            throw fault(index, "round id \(body.roundId) does not follow round \(last) (round ids strictly increase)")
        }
        guard body.previousHeadSize == UInt64(index) else {
            throw fault(index, "the previous head has size \(body.previousHeadSize) but \(index) entries precede it")
        }
        guard body.previousHeadRoot == rootBefore else {
            throw fault(index, "the previous head root does not match the tree over the entries before it")
        }
        guard body.paillierPublicKeyHash == paillierPublicKeyHash else {
            throw fault(index, "the round used a Paillier key other than the one in force")
        }
        guard body.contributions.count >= Int(policy.minimumContributors) else {
            throw fault(index, "\(body.contributions.count) contributors, fewer than the policy's minimum \(policy.minimumContributors)")
        }
        guard body.roundEpsilonMicros <= policy.perRoundEpsilonMicros, body.roundDeltaAttos <= policy.perRoundDeltaAttos else {
            throw fault(index, "the round's (epsilon, delta) exceeds the per-round limit of the privacy policy")
        }
        guard body.qualityPPM <= 1_000_000 else { throw fault(index, "quality \(body.qualityPPM) ppm exceeds 1,000,000") }

        var checks: [SignatureCheck] = []
        for contribution in body.contributions {
            let party = contribution.partyId
            guard let member = members[party], member.role == .institution, let key = memberKeys[party] else {
                throw fault(index, "contributor '\(party)' is not a member institution")
            }
            guard let cap = budgetCaps[party] else { throw fault(index, "contributor '\(party)' has no privacy budget cap") }
            guard contribution.epsilonSpentMicros <= policy.perRoundEpsilonMicros else {
                throw fault(index, "'\(party)' spent more epsilon than the per-round limit")
            }
            let previousEpsilon = cumulativeEpsilonMicros[party] ?? 0
            let previousDelta = cumulativeDeltaAttos[party] ?? 0
            let (epsilonBound, overflow) = previousEpsilon.addingReportingOverflow(contribution.epsilonSpentMicros)
            // The accountant's composition may be tighter than adding epsilons, never looser,
            // and never smaller than what was already spent.
            guard !overflow, contribution.cumulativeEpsilonMicros >= previousEpsilon,
                  contribution.cumulativeEpsilonMicros <= epsilonBound else {
                throw fault(index, "'\(party)''s cumulative epsilon is not between its previous total and that total plus this round")
            }
            guard contribution.cumulativeDeltaAttos >= previousDelta else {
                throw fault(index, "'\(party)''s cumulative delta decreased")
            }
            guard contribution.cumulativeEpsilonMicros <= cap.epsilonMicros, contribution.cumulativeDeltaAttos <= cap.deltaAttos else {
                throw fault(index, "'\(party)''s cumulative (epsilon, delta) exceeds its budget cap")
            }
            checks.append(SignatureCheck(entryIndex: index, kind: .update, signerId: party, key: key,
                                         message: ContributionRecord.signedMessage(roundId: body.roundId, updateHash: contribution.updateHash),
                                         signature: contribution.updateSignature))
        }
        guard body.decryptionShares.count >= threshold else {
            throw fault(index, "\(body.decryptionShares.count) decryption shares, fewer than the threshold \(threshold)")
        }
        for share in body.decryptionShares where !committee.contains(share.partyId) {
            throw fault(index, "decryption share from '\(share.partyId)', who is not on the committee")
        }
        let contributors = Set(body.contributions.map(\.partyId))
        for line in body.rewards where !contributors.contains(line.partyId) {
            throw fault(index, "reward to '\(line.partyId)', who is not a listed contributor")
        }
        var expected: [RewardLine] = []
        for contribution in body.contributions {
            guard let credits = rewardPolicy.reward(noisedRecordCount: contribution.noisedRecordCount, qualityPPM: body.qualityPPM) else {
                throw fault(index, "the reward of '\(contribution.partyId)' overflows 64 bits")
            }
            if credits > 0 { expected.append(RewardLine(partyId: contribution.partyId, credits: credits)) }
        }
        guard expected == body.rewards else {
            throw fault(index, "the rewards differ from the reward formula (expected \(expected.map { "\($0.partyId)=\($0.credits)" }.joined(separator: ", ")))")
        }
        for contribution in body.contributions {
            cumulativeEpsilonMicros[contribution.partyId] = contribution.cumulativeEpsilonMicros
            cumulativeDeltaAttos[contribution.partyId] = contribution.cumulativeDeltaAttos
        }
        registries.rounds[body.roundId] = CommittedRound(entryIndex: index, contributors: contributors, epsilonMicros: body.roundEpsilonMicros,
                                              deltaAttos: body.roundDeltaAttos, rewards: body.rewards, modelHashOut: body.modelHashOut)
        lastRoundId = body.roundId
        return checks
    }

    private mutating func applySettlement(_ body: RewardSettlementEntry, index: Int) throws {
        guard let round = rounds[body.roundId] else { throw fault(index, "settles round \(body.roundId), which has no commitment") }
        if let earlier = settledRounds[body.roundId] {
            throw fault(index, "round \(body.roundId) was already settled by entry \(earlier)")
        }
        guard body.credits == round.rewards else {
            throw fault(index, "the credits differ from the rewards committed for round \(body.roundId) (entry \(round.entryIndex))")
        }
        var total: UInt64 = 0
        for line in body.credits {
            total = try add(total, line.credits, index, "the settlement total")
            try mint(line.credits, to: line.partyId, index: index)
        }
        guard total == body.totalCredits else {
            throw fault(index, "the stated total \(body.totalCredits) is not the sum of the credits (\(total))")
        }
        registries.settledRounds[body.roundId] = index
    }

    private mutating func applyPublication(_ body: DatasetPublicationEntry, index: Int) throws {
        try requireNewDataset(body.datasetId, index: index)
        guard !body.generator.isEmpty, !body.rounds.isEmpty else {
            throw fault(index, "a dataset publication needs a generator and at least one round")
        }
        var contributors = Set<String>()
        var largestEpsilon: UInt64 = 0
        var epsilonSum: UInt64 = 0
        var deltaSum: UInt64 = 0
        for roundId in body.rounds {
            guard let round = rounds[roundId] else { throw fault(index, "derives from round \(roundId), which has no commitment") }
            contributors.formUnion(round.contributors)
            largestEpsilon = max(largestEpsilon, round.epsilonMicros)
            epsilonSum = try add(epsilonSum, round.epsilonMicros, index, "the rounds' epsilon")
            deltaSum = try add(deltaSum, round.deltaAttos, index, "the rounds' delta")
        }
        guard Set(body.contributors) == contributors else {
            throw fault(index, "the contributors differ from those of rounds \(body.rounds.map(String.init).joined(separator: ", "))")
        }
        // Composition can be tighter than the sum of the rounds' epsilons, but never smaller
        // than the largest of them.
        guard body.epsilonMicros >= largestEpsilon, body.epsilonMicros <= epsilonSum, body.deltaAttos <= deltaSum else {
            throw fault(index, "the dataset's (epsilon, delta) is inconsistent with its rounds (epsilon must lie in [\(largestEpsilon), \(epsilonSum)] millionths)")
        }
        registries.datasets[body.datasetId] = PublishedDataset(entryIndex: index, publication: body)
    }

    private mutating func applyRejection(_ body: DatasetRejectionEntry, index: Int) throws {
        try requireNewDataset(body.datasetId, index: index)
        guard !body.generator.isEmpty, let last = body.rounds.last else {
            throw fault(index, "a dataset rejection needs a generator and at least one round")
        }
        guard !body.failures.isEmpty, !body.failures.contains(where: \.isEmpty) else {
            throw fault(index, "a dataset rejection needs at least one reason, none of them empty")
        }
        for roundId in body.rounds where rounds[roundId] == nil {
            throw fault(index, "derives from round \(roundId), which has no commitment")
        }
        // The quality round scored the candidate: its output hash is the candidate's.
        guard rounds[last]!.modelHashOut == body.csvHash else {
            throw fault(index, "the CSV hash is not the model hash of its last round \(last) (the round that scored it)")
        }
        registries.rejectedDatasets[body.datasetId] = RejectedDataset(entryIndex: index, rejection: body)
    }

    /// A dataset id may be published or rejected once.
    private func requireNewDataset(_ id: String, index: Int) throws {
        if let earlier = datasets[id] {
            throw fault(index, "dataset '\(id)' was already published by entry \(earlier.entryIndex)")
        }
        if let earlier = rejectedDatasets[id] {
            throw fault(index, "dataset '\(id)' was already rejected by entry \(earlier.entryIndex)")
        }
    }

    private mutating func applyLicence(_ body: LicenceGrantEntry, index: Int) throws {
        guard let researcher = members[body.researcherId], researcher.role == .researcher else {
            throw fault(index, "'\(body.researcherId)' is not a member researcher")
        }
        guard datasets[body.datasetId] != nil else { throw fault(index, "dataset '\(body.datasetId)' is not published") }
        let price = genesis!.rewardPolicy.licencePriceCredits
        guard body.creditsSpent >= price else {
            throw fault(index, "\(body.creditsSpent) credits is below the licence price \(price)")
        }
        let balance = balances[body.researcherId] ?? 0
        guard balance >= body.creditsSpent else {
            throw fault(index, "'\(body.researcherId)' spends \(body.creditsSpent) credits but holds \(balance) (no negative balances)")
        }
        balances[body.researcherId] = balance - body.creditsSpent
        burnedCredits = try add(burnedCredits, body.creditsSpent, index, "burned credits")
        registries.licences.insert([body.researcherId, body.datasetId])
    }

    // MARK: - Helpers

    private mutating func admit(_ member: ConsortiumMember, index: Int) throws {
        guard !member.id.isEmpty else { throw fault(index, "a member has an empty id") }
        guard members[member.id] == nil else { throw fault(index, "'\(member.id)' is already a member") }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(rawRepresentation: member.ledgerKey) } catch {
            throw fault(index, "'\(member.id)' has an unusable ledger key")
        }
        members[member.id] = member
        memberKeys[member.id] = key
        if member.initialCredits > 0 { try mint(member.initialCredits, to: member.id, index: index) }
    }

    private mutating func setCommittee(_ ids: [String], threshold newThreshold: UInt16, index: Int) throws {
        for id in ids where members[id]?.role != .institution {
            throw fault(index, "committee member '\(id)' is not a member institution")
        }
        guard newThreshold >= 1, Int(newThreshold) <= ids.count else {
            throw fault(index, "threshold \(newThreshold) is not between 1 and the committee size \(ids.count)")
        }
        let institutions = members.values.filter { $0.role == .institution }.count
        guard Int(newThreshold) <= institutions else {
            throw fault(index, "threshold \(newThreshold) exceeds the \(institutions) institutions")
        }
        committee = Set(ids)
        threshold = Int(newThreshold)
    }

    private mutating func setCap(_ cap: InstitutionBudgetCap, index: Int) throws {
        guard members[cap.partyId]?.role == .institution else {
            throw fault(index, "budget cap for '\(cap.partyId)', who is not a member institution")
        }
        budgetCaps[cap.partyId] = cap
    }

    private mutating func mint(_ credits: UInt64, to party: String, index: Int) throws {
        balances[party] = try add(balances[party] ?? 0, credits, index, "the balance of '\(party)'")
        mintedCredits = try add(mintedCredits, credits, index, "minted credits")
    }

    /// Sum of balances = minted - burned, computed from the balances themselves so that a
    /// bookkeeping error in any rule above shows up here.
    private func checkCreditInvariants(index: Int) throws {
        var sum: UInt64 = 0
        for balance in balances.values { sum = try add(sum, balance, index, "the sum of balances") }
        guard burnedCredits <= mintedCredits, sum == mintedCredits - burnedCredits else {
            throw fault(index, "sum of balances \(sum) != minted \(mintedCredits) - burned \(burnedCredits)")
        }
    }

    private func add(_ a: UInt64, _ b: UInt64, _ index: Int, _ what: String) throws -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw fault(index, "\(what) overflows 64 bits") }
        return sum
    }

    private func fault(_ index: Int, _ reason: String) -> LedgerFault {
        LedgerFault(entryIndex: index, code: .verificationFailed, reason: reason)
    }
}
