/// Who a certificate names: the party (CN), its role (OU), its consortium (O), and the SHA-256
/// fingerprint of the certificate's DER encoding (what the genesis description records).
public struct CertificateIdentity: Sendable, Equatable, Hashable, Codable {
    /// The party's name (subject CN).
    public let name: String
    /// The party's role (subject OU).
    public let role: ParticipantRole
    /// The consortium's name (subject O).
    public let consortium: String
    /// Lowercase hex SHA-256 of the DER certificate.
    public let fingerprint: String

    /// An identity from its parts (for comparisons; parse certificates with `parse`).
    public init(name: String, role: ParticipantRole, consortium: String, fingerprint: String) {
        self.name = name
        self.role = role
        self.consortium = consortium
        self.fingerprint = fingerprint
    }

    /// The identity of a certificate given as PEM text or DER bytes. Throws unless the subject
    /// has exactly one CN, one OU naming a known role, and one O. It does not check the
    /// signature chain: that is the TLS layer's job (or `Certificate.isSigned(by:)`).
    public static func parse(_ pemOrDER: [UInt8]) throws -> CertificateIdentity {
        try Certificate(pemOrDER: pemOrDER).identity()
    }
}
