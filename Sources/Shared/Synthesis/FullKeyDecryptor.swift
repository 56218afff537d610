/// Decrypts aggregates with one full Paillier private key (CRT). Only for a simulation in one
/// process: in a deployment no party holds the full key.
public struct FullKeyDecryptor: AggregateDecryptor {
    /// The private key.
    public let privateKey: PaillierPrivateKey

    /// A decryptor holding `privateKey`.
    public init(privateKey: PaillierPrivateKey) { self.privateKey = privateKey }

    /// "Paillier N-bit, full key (single-process simulation)".
    public var scheme: String { "Paillier \(privateKey.publicKey.modulusBits)-bit, full-key decryption (single-process simulation)" }

    /// Decrypts every ciphertext.
    public func decrypt(_ aggregate: [PaillierCiphertext], roundID: String) throws -> [BigUInt] {
        privateKey.decrypt(aggregate)
    }
}
