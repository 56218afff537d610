/// The outcome of a threshold decryption: the plaintexts and an account of which partial
/// decryptions were combined and which were rejected, for the round's ledger entry.
public struct ThresholdDecryption: Sendable, Equatable {
    /// A partial decryption that went into the combination.
    public struct UsedShare: Sendable, Equatable, Hashable {
        /// The party that produced it.
        public let partyId: Int
        /// SHA-256 of its binary encoding (shares and proof).
        public let digest: [UInt8]
    }

    /// A partial decryption that was left out, and why.
    public struct Rejection: Sendable, Equatable, Hashable {
        /// The party it claimed to come from.
        public let partyId: Int
        /// Why it was rejected (never contains secret values).
        public let reason: String
    }

    /// The decrypted values, one per ciphertext, each in [0, n).
    public let plaintexts: [BigUInt]
    /// The t partial decryptions combined, by ascending party id.
    public let parties: [UsedShare]
    /// Partial decryptions that failed verification or were duplicates.
    public let rejected: [Rejection]

    /// The ids of the parties whose shares were combined.
    public var partyIds: [Int] { parties.map(\.partyId) }
}
