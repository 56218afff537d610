/// A tree head signed by the coordinator: what `/v1/ledger/head` serves and what replicas
/// compare. The signature is Ed25519 over `SignedTreeHead.signedMessage(for:)`.
public struct SignedTreeHead: Sendable, Equatable {
    /// The head.
    public var head: TreeHead
    /// The signer's party id.
    public var signerId: String
    /// The 64-byte Ed25519 signature.
    public var signature: [UInt8]

    /// A signed head from its parts (for example when decoding one received).
    public init(head: TreeHead, signerId: String, signature: [UInt8]) {
        self.head = head
        self.signerId = signerId
        self.signature = signature
    }

    /// Signs `head` with `key`.
    public init(signing head: TreeHead, signerId: String, key: Ed25519PrivateKey) throws {
        self.head = head
        self.signerId = signerId
        self.signature = try key.signature(for: Self.signedMessage(for: head))
    }

    /// The signed bytes: ASCII "apiary-tree-head-v1", a zero byte, then the head's 48-byte
    /// encoding. The domain string keeps a head signature from ever passing as an endorsement.
    public static func signedMessage(for head: TreeHead) -> [UInt8] {
        Array("apiary-tree-head-v1".utf8) + [0] + head.encoded()
    }

    /// Whether the signature is valid under `key`.
    public func isValid(under key: Ed25519PublicKey) -> Bool {
        key.isValidSignature(signature, for: Self.signedMessage(for: head))
    }
}
