/// A partial decryption whose proof has been checked by `ThresholdPublicKey.verify`.
///
/// Only `verify` creates one, so `combine` cannot be handed an unchecked share by mistake. It
/// remembers what it was verified for (ciphertexts and context, and the key) so shares checked
/// for different inputs are never mixed.
public struct VerifiedPartialDecryption: Sendable {
    /// The partial decryption that verified.
    public let partial: PartialDecryption
    /// Digest of the ciphertexts and context it was verified against.
    let inputsDigest: [UInt8]
    /// `verificationKeysDigest` of the key it was verified under.
    let verifiedKey: [UInt8]
}
