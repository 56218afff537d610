/// One Ed25519 signature the ledger depends on, gathered during a replay and checked later, in
/// parallel, by `SignatureBatch` (signature checks dominate the cost of verification).
public struct SignatureCheck: Sendable {
    /// What was signed.
    public enum Kind: Sendable, Equatable {
        /// A tree head of this size (the coordinator's head or an institution's co-signature).
        case treeHead(size: UInt64)
        /// An agent's signature over its update, listed in a round commitment.
        case update
    }

    /// The entry the failure is reported at: the commitment for an update signature, the last
    /// entry the head covers for a head signature.
    public var entryIndex: Int
    /// What was signed.
    public var kind: Kind
    /// Who signed.
    public var signerId: String
    /// The key that must have signed.
    public var key: Ed25519PublicKey
    /// The signed bytes.
    public var message: [UInt8]
    /// The signature.
    public var signature: [UInt8]

    /// A pending signature check.
    public init(entryIndex: Int, kind: Kind, signerId: String, key: Ed25519PublicKey, message: [UInt8], signature: [UInt8]) {
        self.entryIndex = entryIndex
        self.kind = kind
        self.signerId = signerId
        self.key = key
        self.message = message
        self.signature = signature
    }

    /// What the signature is, for the failure message ("update signature of 'hospital-a'").
    /// Computed only when needed: building it per check would cost an allocation each.
    public var what: String {
        switch kind {
        case .treeHead(let size): return "signature of '\(signerId)' on the tree head of size \(size)"
        case .update: return "update signature of '\(signerId)'"
        }
    }

    /// Whether the signature is valid.
    public var isValid: Bool { key.isValidSignature(signature, for: message) }

    /// The fault to report when it is not.
    public var fault: LedgerFault {
        LedgerFault(entryIndex: entryIndex, code: .verificationFailed, reason: "invalid \(what)")
    }
}
