/// Asks a committee member for its partial decryption of a round's aggregate (JSON).
///
/// The agent never decrypts what it is given: it downloads every listed update, checks each
/// hash and signature for this round, checks there are at least `quorum` distinct
/// contributors, recomputes the product itself, and proceeds only if the product's hash is
/// `aggregateHash` and it has not partially decrypted another aggregate in this round.
public struct DecryptTask: Codable, Sendable, Equatable {
    /// One listed contribution: who, the SHA-256 of their ciphertext vector, their signature.
    public struct Contribution: Codable, Sendable, Equatable {
        public var agent: String
        public var updateHash: String
        public var signature: String

        public init(agent: String, updateHash: String, signature: String) {
            self.agent = agent
            self.updateHash = updateHash
            self.signature = signature
        }
    }

    public var roundId: UInt64
    public var aggregateHash: String
    public var ciphertextCount: Int
    public var quorum: Int
    public var contributions: [Contribution]

    public init(roundId: UInt64, aggregateHash: String, ciphertextCount: Int, quorum: Int, contributions: [Contribution]) {
        self.roundId = roundId
        self.aggregateHash = aggregateHash
        self.ciphertextCount = ciphertextCount
        self.quorum = quorum
        self.contributions = contributions
    }

    /// The context every proof of this round binds: round id and aggregate hash.
    public func context() throws -> DecryptionContext {
        guard let hash = [UInt8](hexString: aggregateHash), hash.count == 32 else {
            throw ApiaryError(.invalidEncoding, "aggregate hash must be 64 hex digits")
        }
        return try DecryptionContext(roundId: String(roundId), aggregateHash: hash)
    }
}
