/// Who is on the other end of a TLS connection, read from its verified certificate only:
/// CN is the party's name, OU its role, O the consortium.
public struct PeerIdentity: Sendable, Equatable, Hashable {
    /// What a party may do; comes from the certificate's OU, never from a request field.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case agent, researcher, coordinator, operator_ = "operator"
    }

    public let name: String
    public let role: Role
    public let consortium: String
    /// SHA-256 of the certificate's DER encoding, lowercase hex.
    public let fingerprint: String

    public init(name: String, role: Role, consortium: String, fingerprint: String) {
        self.name = name
        self.role = role
        self.consortium = consortium
        self.fingerprint = fingerprint
    }
}
