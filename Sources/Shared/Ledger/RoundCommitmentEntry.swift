/// What the coordinator commits to at the end of a round (design section 8): which updates went
/// into the aggregate, which shares decrypted it, what privacy it cost and what it earned.
public struct RoundCommitmentEntry: Sendable, Equatable {
    /// The round id; strictly increasing along the ledger.
    public var roundId: UInt64
    /// The tree size before this entry; must equal this entry's index.
    public var previousHeadSize: UInt64
    /// The tree root at `previousHeadSize` (32 bytes).
    public var previousHeadRoot: [UInt8]
    /// SHA-256 of the model the round started from.
    public var modelHashIn: [UInt8]
    /// SHA-256 of the model the round produced.
    public var modelHashOut: [UInt8]
    /// SHA-256 of the Paillier public key the updates were encrypted under.
    public var paillierPublicKeyHash: [UInt8]
    /// The packing layout of the updates.
    public var packing: PackingParameters
    /// The contributions summed into the aggregate, sorted by party id.
    public var contributions: [ContributionRecord]
    /// SHA-256 of the aggregate ciphertext vector (the product of the listed updates).
    public var aggregateHash: [UInt8]
    /// The decryption shares combined, sorted by party id.
    public var decryptionShares: [DecryptionShareRecord]
    /// The total noise in the released sum: the Skellam parameter mu summed over contributors, in millionths.
    public var totalNoiseMicros: UInt64
    /// The epsilon of this round's release, in millionths.
    public var roundEpsilonMicros: UInt64
    /// The delta of this round's release, in units of 1e-18.
    public var roundDeltaAttos: UInt64
    /// The aggregate quality measured on holdouts, in parts per million.
    public var qualityPPM: UInt32
    /// The rewards by the formula of the reward policy, sorted by party id.
    public var rewards: [RewardLine]

    /// A round commitment; lists are put into canonical order.
    public init(roundId: UInt64, previousHeadSize: UInt64, previousHeadRoot: [UInt8], modelHashIn: [UInt8],
                modelHashOut: [UInt8], paillierPublicKeyHash: [UInt8], packing: PackingParameters,
                contributions: [ContributionRecord], aggregateHash: [UInt8], decryptionShares: [DecryptionShareRecord],
                totalNoiseMicros: UInt64, roundEpsilonMicros: UInt64, roundDeltaAttos: UInt64, qualityPPM: UInt32,
                rewards: [RewardLine]) {
        self.roundId = roundId
        self.previousHeadSize = previousHeadSize
        self.previousHeadRoot = previousHeadRoot
        self.modelHashIn = modelHashIn
        self.modelHashOut = modelHashOut
        self.paillierPublicKeyHash = paillierPublicKeyHash
        self.packing = packing
        self.contributions = CanonicalOrder.sorted(contributions) { $0.partyId }
        self.aggregateHash = aggregateHash
        self.decryptionShares = CanonicalOrder.sorted(decryptionShares) { $0.partyId }
        self.totalNoiseMicros = totalNoiseMicros
        self.roundEpsilonMicros = roundEpsilonMicros
        self.roundDeltaAttos = roundDeltaAttos
        self.qualityPPM = qualityPPM
        self.rewards = CanonicalOrder.sorted(rewards) { $0.partyId }
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt64(roundId)
        writer.writeUInt64(previousHeadSize)
        writer.writeFixed(previousHeadRoot, count: 32)
        writer.writeFixed(modelHashIn, count: 32)
        writer.writeFixed(modelHashOut, count: 32)
        writer.writeFixed(paillierPublicKeyHash, count: 32)
        packing.encode(into: &writer)
        writer.writeList(contributions) { $1.encode(into: &$0) }
        writer.writeFixed(aggregateHash, count: 32)
        writer.writeList(decryptionShares) { $1.encode(into: &$0) }
        writer.writeUInt64(totalNoiseMicros)
        writer.writeUInt64(roundEpsilonMicros)
        writer.writeUInt64(roundDeltaAttos)
        writer.writeUInt32(qualityPPM)
        writer.writeList(rewards) { $1.encode(into: &$0) }
    }

    init(from reader: inout CanonicalReader) throws {
        roundId = try reader.readUInt64("round id")
        previousHeadSize = try reader.readUInt64("previous head size")
        previousHeadRoot = try reader.readFixed(32, "previous head root")
        modelHashIn = try reader.readFixed(32, "model hash in")
        modelHashOut = try reader.readFixed(32, "model hash out")
        paillierPublicKeyHash = try reader.readFixed(32, "Paillier public key hash")
        packing = try PackingParameters(from: &reader)
        contributions = try reader.readList("contributions") { try ContributionRecord(from: &$0) }
        try CanonicalOrder.requireAscending(contributions.map(\.partyId), "contributions")
        aggregateHash = try reader.readFixed(32, "aggregate hash")
        decryptionShares = try reader.readList("decryption shares") { try DecryptionShareRecord(from: &$0) }
        try CanonicalOrder.requireAscending(decryptionShares.map(\.partyId), "decryption shares")
        totalNoiseMicros = try reader.readUInt64("total noise")
        roundEpsilonMicros = try reader.readUInt64("round epsilon")
        roundDeltaAttos = try reader.readUInt64("round delta")
        qualityPPM = try reader.readUInt32("quality")
        rewards = try reader.readList("rewards") { try RewardLine(from: &$0) }
        try CanonicalOrder.requireAscending(rewards.map(\.partyId), "rewards")
    }
}
