/// A tree head signed by one consortium member: the coordinator's head (what `/v1/ledger/head`
/// serves and what it stores per append batch) or an institution's co-signature. Either way the
/// signer vouches for every entry below `head.size`: an entry i is final once the coordinator
/// and t institutions have each signed some head of size > i (`LedgerFinality`).
///
/// The signature is Ed25519 over `SignedTreeHead.signedMessage(for:)`; the same message for
/// every signer, so institutions co-sign exactly the head the coordinator signed.
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

    /// The ASCII domain that starts every signed head message.
    public static let domain = "apiary-tree-head-v1"

    /// The signed bytes: ASCII "apiary-tree-head-v1", a zero byte, then the head's 48-byte
    /// encoding. The domain string keeps a head signature from ever passing as an update
    /// signature (which starts "apiary-update-v1") under the same key, and vice versa.
    public static func signedMessage(for head: TreeHead) -> [UInt8] {
        Array(domain.utf8) + [0] + head.encoded()
    }

    /// Whether the signature is valid under `key`.
    public func isValid(under key: Ed25519PublicKey) -> Bool {
        key.isValidSignature(signature, for: Self.signedMessage(for: head))
    }

    /// The record payload used in the ledger file: the 48-byte head, string signer, 64-byte signature.
    public func encoded() -> [UInt8] {
        var writer = CanonicalWriter()
        head.encode(into: &writer)
        writer.writeString(signerId)
        writer.writeFixed(signature, count: 64)
        return writer.bytes
    }

    /// Decodes `encoded()`.
    public init(decoding bytes: [UInt8]) throws {
        var reader = CanonicalReader(bytes)
        head = try TreeHead(from: &reader)
        signerId = try reader.readString("tree head signer")
        signature = try reader.readFixed(64, "tree head signature")
        try reader.expectEnd("signed tree head")
    }
}
