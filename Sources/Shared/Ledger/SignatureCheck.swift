/// One Ed25519 signature the ledger depends on, gathered during a replay and checked later, in
/// parallel, by `LedgerVerifier` (signature checks dominate the cost of verification).
public struct SignatureCheck: Sendable {
    /// The entry the signature belongs to.
    public var entryIndex: Int
    /// The key that must have signed.
    public var key: Ed25519PublicKey
    /// The signed bytes.
    public var message: [UInt8]
    /// The signature.
    public var signature: [UInt8]
    /// What the signature is, for the failure message ("update signature of 'hospital-a'").
    public var what: String

    /// A pending signature check.
    public init(entryIndex: Int, key: Ed25519PublicKey, message: [UInt8], signature: [UInt8], what: String) {
        self.entryIndex = entryIndex
        self.key = key
        self.message = message
        self.signature = signature
        self.what = what
    }

    /// Whether the signature is valid.
    public var isValid: Bool { key.isValidSignature(signature, for: message) }

    /// The fault to report when it is not.
    public var fault: LedgerFault {
        LedgerFault(entryIndex: entryIndex, code: .verificationFailed, reason: "invalid \(what)")
    }
}
