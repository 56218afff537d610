/// A Paillier ciphertext: an element of Z*_{n^2}. Create one through a public key
/// (`encrypt`, `ciphertext(bytes:)`), which validates it.
public struct PaillierCiphertext: Sendable, Equatable, Hashable {
    /// The residue mod n^2.
    public let value: BigUInt

    /// Wraps a residue without validation; use `PaillierPublicKey.validate` for outside input.
    init(unchecked value: BigUInt) { self.value = value }
}
