/// What the trusted dealer hands out: the joint public key and one secret share per party.
/// The dealer's own secrets (p, q, d, the polynomial) are not part of it and are released (and
/// wiped) when dealing returns.
public struct ThresholdDealing: Sendable {
    /// The joint public key.
    public let publicKey: ThresholdPublicKey
    /// `shares[i - 1]` is party i's share.
    public let shares: [ThresholdKeyShare]
}
