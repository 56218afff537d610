/// A co-signature on one entry: the signer vouches for the entry (by its leaf hash) and for the
/// tree head right after it (size = index + 1). The coordinator's endorsement doubles as its
/// signed tree head for that size; an entry is final once the coordinator and t institutions
/// of the membership in force have endorsed it.
public struct Endorsement: Sendable, Equatable {
    /// The endorsed entry's index.
    public var entryIndex: UInt64
    /// The head after the entry was appended.
    public var head: TreeHead
    /// The signer's party id.
    public var signerId: String
    /// The 64-byte Ed25519 signature over `Endorsement.signedMessage(leafHash:head:)`.
    public var signature: [UInt8]

    /// An endorsement from its parts.
    public init(entryIndex: UInt64, head: TreeHead, signerId: String, signature: [UInt8]) {
        self.entryIndex = entryIndex
        self.head = head
        self.signerId = signerId
        self.signature = signature
    }

    /// Signs the entry with leaf hash `leafHash` at `entryIndex`, with the head after it.
    public init(signing leafHash: [UInt8], entryIndex: UInt64, head: TreeHead, signerId: String, key: Ed25519PrivateKey) throws {
        self.entryIndex = entryIndex
        self.head = head
        self.signerId = signerId
        self.signature = try key.signature(for: Self.signedMessage(leafHash: leafHash, head: head))
    }

    /// The signed bytes: ASCII "apiary-endorsement-v1", a zero byte, the 32-byte leaf hash,
    /// then the head's 48-byte encoding.
    public static func signedMessage(leafHash: [UInt8], head: TreeHead) -> [UInt8] {
        Array("apiary-endorsement-v1".utf8) + [0] + leafHash + head.encoded()
    }

    /// Whether the signature is valid for `leafHash` under `key`.
    public func isValid(leafHash: [UInt8], under key: Ed25519PublicKey) -> Bool {
        key.isValidSignature(signature, for: Self.signedMessage(leafHash: leafHash, head: head))
    }

    /// The record encoding used in the ledger file: u64 index, head, string signer, 64-byte signature.
    public func encoded() -> [UInt8] {
        var writer = CanonicalWriter()
        writer.writeUInt64(entryIndex)
        head.encode(into: &writer)
        writer.writeString(signerId)
        writer.writeFixed(signature, count: 64)
        return writer.bytes
    }

    /// Decodes `encoded()`.
    public init(decoding bytes: [UInt8]) throws {
        var reader = CanonicalReader(bytes)
        entryIndex = try reader.readUInt64("endorsed entry index")
        head = try TreeHead(from: &reader)
        signerId = try reader.readString("endorsement signer")
        signature = try reader.readFixed(64, "endorsement signature")
        try reader.expectEnd("endorsement")
    }
}
