/// Opens the homomorphic sum of a round: the seam between the simulation (or the coordinator)
/// and the decryption scheme. One full Paillier key today; t-of-n threshold decryption
/// (design brief 5.3) slots in as another conformance without touching the round logic.
public protocol AggregateDecryptor: Sendable {
    /// A short description for the datasheet, e.g. "Paillier full key (simulation)".
    var scheme: String { get }
    /// The plaintexts of the aggregate ciphertexts of round `roundID`.
    func decrypt(_ aggregate: [PaillierCiphertext], roundID: String) throws -> [BigUInt]
}
