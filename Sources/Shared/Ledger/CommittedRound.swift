/// What the ledger state remembers of a committed round.
public struct CommittedRound: Sendable, Equatable {
    /// The index of its round commitment entry.
    public var entryIndex: Int
    /// Its contributors.
    public var contributors: Set<String>
    /// The round's epsilon, in millionths.
    public var epsilonMicros: UInt64
    /// The round's delta, in units of 1e-18.
    public var deltaAttos: UInt64
    /// Its rewards, as committed.
    public var rewards: [RewardLine]
    /// The model hash the round produced (`model_hash_out`).
    public var modelHashOut: [UInt8]
}
