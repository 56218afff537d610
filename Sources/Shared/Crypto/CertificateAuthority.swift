internal import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The consortium's certificate authority: a self-signed ECDSA P-256 root that issues the
/// coordinator's server certificate and the client certificates of agents and researchers.
///
/// Subjects are CN=<party>, OU=<role>, O=<consortium>; the role is read back from the OU only.
/// Extensions: the CA has basicConstraints CA:TRUE (pathlen 0, critical) and keyUsage
/// keyCertSign, cRLSign; leaves have CA:FALSE, keyUsage digitalSignature (critical), and
/// extendedKeyUsage serverAuth (coordinator) or clientAuth (agents, researchers). Serial numbers
/// are 127-bit random, so issuing needs no state. Signatures are ECDSA with SHA-256.
public struct CertificateAuthority: Sendable {
    /// The CA's self-signed certificate (what every party trusts).
    public let certificate: Certificate
    /// The CA's private key. Secret: it stays with the consortium operator, offline.
    public let privateKey: P256PrivateKey
    /// The consortium's name (the CA's O).
    public let consortium: String

    /// Default validity of the CA certificate: ten years.
    public static let caValidityDays = 3650
    /// Default validity of leaf certificates: two years, so a lost key expires within a
    /// planning cycle; re-issue with `provision add-institution`-style issuance.
    public static let leafValidityDays = 730

    /// A new CA for `consortium` with a fresh P-256 key.
    public static func create(consortium: String, validityDays: Int = caValidityDays) throws -> CertificateAuthority {
        try checkSubjectText(consortium, "consortium name")
        let key = try P256PrivateKey()
        let builder = try CertificateBuilder(subject: [("CN", "\(consortium) Apiary CA"), ("O", consortium)], publicKey: key.key, validityDays: validityDays)
        try builder.setIssuer(builder.x509)
        try builder.addExtensions(issuer: builder.x509, [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        let certificate = try builder.sign(with: key.key)
        return CertificateAuthority(certificate: certificate, privateKey: key, consortium: consortium)
    }

    /// Loads a CA from its certificate and private key (PEM), checking that they match and that
    /// the certificate is a CA with a consortium name.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try Certificate(pem: certificatePEM)
        let key = try P256PrivateKey(pem: privateKeyPEM)
        guard X509_check_private_key(certificate.x509.pointer, key.key.pointer) == 1 else {
            OpenSSLError.clear()
            throw ApiaryError(.invalidArgument, "the CA private key does not belong to the CA certificate")
        }
        guard X509_check_ca(certificate.x509.pointer) >= 1 else {
            throw ApiaryError(.invalidArgument, "the certificate is not a CA certificate (basicConstraints CA:TRUE missing)")
        }
        self.init(certificate: certificate, privateKey: key, consortium: try certificate.singleSubjectValue(NID_organizationName, "O"))
    }

    private init(certificate: Certificate, privateKey: P256PrivateKey, consortium: String) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.consortium = consortium
    }

    /// The coordinator's TLS server certificate: CN=`name`, OU=coordinator, a subjectAltName for
    /// each host (DNS name or IP address), always including DNS:localhost and IP:127.0.0.1.
    public func issueServerCertificate(name: String, hosts: [String], key: P256PrivateKey,
                                       validityDays: Int = leafValidityDays) throws -> Certificate {
        var names: [String] = []
        for host in ["localhost", "127.0.0.1"] + hosts {
            let entry = try Self.subjectAlternativeName(for: host)
            if !names.contains(entry) { names.append(entry) }
        }
        return try issue(name: name, role: .coordinator, key: key, validityDays: validityDays, extensions: [
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_alt_name, names.joined(separator: ",")),
        ])
    }

    /// A TLS client certificate for an agent or researcher: CN=`name`, OU=`role`.
    public func issueClientCertificate(name: String, role: ParticipantRole, key: P256PrivateKey,
                                       validityDays: Int = leafValidityDays) throws -> Certificate {
        guard role != .coordinator else {
            throw ApiaryError(.invalidArgument, "the coordinator gets a server certificate (issueServerCertificate), not a client certificate")
        }
        return try issue(name: name, role: role, key: key, validityDays: validityDays, extensions: [
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"),
        ])
    }

    private func issue(name: String, role: ParticipantRole, key: P256PrivateKey, validityDays: Int,
                       extensions: [(Int32, String)]) throws -> Certificate {
        try Self.checkSubjectText(name, "party name")
        let builder = try CertificateBuilder(subject: [("CN", name), ("OU", role.rawValue), ("O", consortium)],
                                             publicKey: key.key, validityDays: validityDays)
        try builder.setIssuer(certificate.x509.pointer)
        try builder.addExtensions(issuer: certificate.x509.pointer, [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ] + extensions)
        return try builder.sign(with: privateKey.key)
    }

    /// "IP:<address>" for an IPv4 or IPv6 literal, "DNS:<name>" for a host name (letters, digits,
    /// hyphens, dots; labels of 1 to 63 characters, at most 253 in all). Anything else throws.
    public static func subjectAlternativeName(for host: String) throws -> String {
        var scratch = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1 {
            return "IP:\(host)"
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = (1...253).contains(host.utf8.count) && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
        guard valid else {
            throw ApiaryError(.invalidArgument, "coordinator host '\(host)' is neither an IP address nor a valid DNS name")
        }
        return "DNS:\(host.lowercased())"
    }

    /// Refuses subject text X.509 cannot carry safely: empty, over 64 characters (the
    /// upper bound for CN, OU and O), control characters, or characters that other tools
    /// treat as separators in distinguished names.
    static func checkSubjectText(_ text: String, _ what: String) throws {
        guard !text.isEmpty, text.count <= 64 else {
            throw ApiaryError(.invalidArgument, "the \(what) must have 1 to 64 characters, got \(text.count)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw ApiaryError(.invalidArgument, "the \(what) contains control characters")
        }
        guard !text.contains(where: { "/\\,=+<>#;\"".contains($0) }), text.trimmingCharacters(in: .whitespaces) == text else {
            throw ApiaryError(.invalidArgument, "the \(what) '\(text)' contains a character reserved in certificate names (/ \\ , = + < > # ; \") or leading/trailing spaces")
        }
    }
}

/// Assembles one X.509 v3 certificate; owns the `X509` until `sign` hands it to a `Certificate`.
final class CertificateBuilder {
    let x509: OpaquePointer
    private var handedOver = false

    init(subject: [(String, String)], publicKey: EVPKey, validityDays: Int) throws {
        guard (1...36500).contains(validityDays) else {
            throw ApiaryError(.invalidArgument, "certificate validity must be 1 to 36500 days, got \(validityDays)")
        }
        guard let x509 = X509_new() else { throw OpenSSLError.make("X509_new") }
        self.x509 = x509
        guard X509_set_version(x509, Int(X509_VERSION_3)) == 1 else { throw OpenSSLError.make("X509_set_version") }
        // A random 127-bit positive serial: unique without a counter, and within RFC 5280's 20 octets.
        guard let serial = BN_new() else { throw OpenSSLError.make("BN_new") }
        defer { BN_free(serial) }
        guard BN_rand(serial, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != nil else {
            throw OpenSSLError.make("setting a certificate serial number")
        }
        // Five minutes of back-dating tolerates clock skew between the ceremony machine and servers.
        guard X509_gmtime_adj(X509_getm_notBefore(x509), -300) != nil,
              X509_time_adj_ex(X509_getm_notAfter(x509), Int32(validityDays), 0, nil) != nil else {
            throw OpenSSLError.make("setting certificate validity")
        }
        guard X509_set_pubkey(x509, publicKey.pointer) == 1 else { throw OpenSSLError.make("X509_set_pubkey") }
        guard let name = X509_get_subject_name(x509) else { throw OpenSSLError.make("X509_get_subject_name") }
        for (field, value) in subject {
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                throw OpenSSLError.make("adding \(field) to a certificate subject")
            }
        }
    }

    deinit { if !handedOver { X509_free(x509) } }

    func setIssuer(_ issuer: OpaquePointer) throws {
        guard X509_set_issuer_name(x509, X509_get_subject_name(issuer)) == 1 else { throw OpenSSLError.make("X509_set_issuer_name") }
    }

    /// Adds extensions written in OpenSSL's configuration syntax.
    func addExtensions(issuer: OpaquePointer, _ extensions: [(Int32, String)]) throws {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionPointer = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw OpenSSLError.make("building certificate extension \(value)")
            }
            defer { X509_EXTENSION_free(extensionPointer) }
            guard X509_add_ext(x509, extensionPointer, -1) == 1 else { throw OpenSSLError.make("adding certificate extension \(value)") }
        }
    }

    /// Signs with ECDSA-SHA256 and returns the finished certificate.
    func sign(with key: EVPKey) throws -> Certificate {
        guard X509_sign(x509, key.pointer, EVP_sha256()) > 0 else { throw OpenSSLError.make("signing a certificate") }
        handedOver = true
        return Certificate(owning: x509)
    }
}
