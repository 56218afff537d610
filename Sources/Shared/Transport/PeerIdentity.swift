/// Who is on the other end of a TLS connection: the identity read from its verified
/// certificate only (CN = name, OU = role, O = consortium). Roles never come from a request field.
public typealias PeerIdentity = CertificateIdentity

extension CertificateIdentity {
    /// The role type, as seen by the transport layer.
    public typealias Role = ParticipantRole
}
