internal import COpenSSL
import Foundation

/// Where a TLS endpoint finds its certificate chain, private key and trusted CA (PEM files).
public struct TLSCredentials: Sendable {
    public var certificatePath: String
    public var privateKeyPath: String
    public var caCertificatePath: String

    public init(certificatePath: String, privateKeyPath: String, caCertificatePath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.caCertificatePath = caCertificatePath
    }
}

/// Owner of one `SSL_CTX` configured for TLS 1.3 only with mutual authentication: the server
/// demands a client certificate signed by the consortium CA, the client verifies the server's
/// certificate against the same CA and the host name or IP it dialled.
public final class TLSContext: @unchecked Sendable {
    public enum Side: Sendable { case server, client }

    let pointer: OpaquePointer
    public let side: Side

    public init(side: Side, credentials: TLSCredentials) throws {
        guard let context = SSL_CTX_new(side == .server ? TLS_server_method() : TLS_client_method()) else {
            throw OpenSSLError.make("SSL_CTX_new")
        }
        pointer = context
        self.side = side
        guard apiary_ssl_ctx_set_min_proto_version(context, TLS1_3_VERSION) == 1 else {
            throw OpenSSLError.make("requiring TLS 1.3")
        }
        try Self.requireFile(credentials.certificatePath, what: "certificate")
        try Self.requireFile(credentials.privateKeyPath, what: "private key")
        try Self.requireFile(credentials.caCertificatePath, what: "CA certificate")
        guard SSL_CTX_use_certificate_chain_file(context, credentials.certificatePath) == 1 else {
            throw OpenSSLError.make("loading certificate \(credentials.certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, credentials.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw OpenSSLError.make("loading private key \(credentials.privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw OpenSSLError.make("the private key \(credentials.privateKeyPath) does not match certificate \(credentials.certificatePath)")
        }
        guard SSL_CTX_load_verify_locations(context, credentials.caCertificatePath, nil) == 1 else {
            throw OpenSSLError.make("loading CA certificate \(credentials.caCertificatePath)")
        }
        switch side {
        case .server:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            if let names = SSL_load_client_CA_file(credentials.caCertificatePath) {
                SSL_CTX_set_client_CA_list(context, names)
            }
        case .client:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        _ = apiary_ssl_ctx_set_mode(context, Int(SSL_MODE_AUTO_RETRY))
    }

    deinit { SSL_CTX_free(pointer) }

    private static func requireFile(_ path: String, what: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ApiaryError(.notFound, "\(what) file \(path) is missing or unreadable; check the kit folder")
        }
    }
}
