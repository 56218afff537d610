import Foundation
import Shared

/// The answer to an agent's long-poll for work (JSON, see docs/protocol.md).
public struct TaskEnvelope: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case update, decrypt, cosign, wait }

    public var kind: Kind
    public var roundId: UInt64?
    public var update: UpdateTask?
    public var decrypt: DecryptTask?
    /// For `cosign`: the coordinator's signed tree head to check and co-sign (hex of its encoding).
    public var cosignHead: String?
    /// For `wait`: why there is nothing to do (for logs).
    public var note: String?

    public static func wait(_ note: String, round: UInt64? = nil) -> TaskEnvelope {
        TaskEnvelope(kind: .wait, roundId: round, update: nil, decrypt: nil, cosignHead: nil, note: note)
    }
}

/// The answer to an accepted update.
public struct SubmissionReceipt: Codable, Sendable, Equatable {
    public var roundId: UInt64
    public var agent: String
    public var updateHash: String
    /// "accepted" the first time, "duplicate" when the same update arrives again.
    public var status: String
}
