internal import COpenSSL
import Foundation

/// One TLS connection: owns its `SSL`, keeps its context and socket alive, and exposes reads
/// and writes. On a blocking socket the socket's timeouts bound each call (the client); on a
/// non-blocking socket each call takes a deadline that bounds it in total, however the peer
/// drips its bytes (the server: see `HTTPServerConfiguration`).
public final class TLSConnection: @unchecked Sendable {
    private let ssl: OpaquePointer
    private let context: TLSContext
    public let socket: Socket
    /// The verified peer, read from its certificate after the handshake.
    public private(set) var peer: PeerIdentity?

    private init(ssl: OpaquePointer, context: TLSContext, socket: Socket) {
        self.ssl = ssl
        self.context = context
        self.socket = socket
    }

    deinit { SSL_free(ssl) }

    /// Runs the server side of the handshake on an accepted socket. With a `deadline` (the
    /// socket must be non-blocking) the whole handshake must finish by then, or it throws
    /// `TLSConnection.deadlinePassed`.
    public static func accept(_ socket: Socket, context: TLSContext, deadline: DispatchTime? = nil) throws -> TLSConnection {
        let connection = try make(socket, context: context)
        while true {
            OpenSSLError.clear()
            let result = SSL_accept(connection.ssl)
            if result == 1 { break }
            guard let deadline, try connection.waitForSocket(SSL_get_error(connection.ssl, result), until: deadline) else {
                throw OpenSSLError.make("TLS handshake with a client")
            }
        }
        connection.peer = try connection.readPeerIdentity()
        return connection
    }

    /// The code of the error thrown when a call's deadline passes before it could finish.
    public static let deadlinePassed = ApiaryError.Code("deadlinePassed")

    /// After an SSL call failed with `reason` (SSL_get_error) on a non-blocking socket: waits
    /// for the socket if OpenSSL asks to (true: call again), returns false for any other
    /// failure, and throws `deadlinePassed` when the deadline comes first.
    private func waitForSocket(_ reason: Int32, until deadline: DispatchTime) throws -> Bool {
        let readiness: Socket.Readiness
        switch reason {
        case SSL_ERROR_WANT_READ: readiness = .readable
        case SSL_ERROR_WANT_WRITE: readiness = .writable
        default: return false
        }
        OpenSSLError.clear()
        guard try socket.wait(for: readiness, until: deadline) else {
            throw ApiaryError(Self.deadlinePassed, "deadline passed")
        }
        return true
    }

    /// Runs the client side of the handshake, verifying that the server's certificate names `host`.
    public static func connect(_ socket: Socket, context: TLSContext, host: String) throws -> TLSConnection {
        let connection = try make(socket, context: context)
        guard let parameters = SSL_get0_param(connection.ssl) else { throw OpenSSLError.make("SSL_get0_param") }
        let isIP = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
        if isIP {
            guard X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 else { throw OpenSSLError.make("expecting server IP \(host)") }
        } else {
            guard X509_VERIFY_PARAM_set1_host(parameters, host, 0) == 1 else { throw OpenSSLError.make("expecting server name \(host)") }
            _ = apiary_ssl_set_tlsext_host_name(connection.ssl, host)
        }
        OpenSSLError.clear()
        guard SSL_connect(connection.ssl) == 1 else {
            let verify = SSL_get_verify_result(connection.ssl)
            let detail = verify == X509_V_OK ? "" : " (certificate: \(String(cString: X509_verify_cert_error_string(verify))))"
            let error = OpenSSLError.make("TLS handshake with \(host)")
            throw ApiaryError(error.code, error.reason + detail)
        }
        connection.peer = try connection.readPeerIdentity()
        return connection
    }

    private static func make(_ socket: Socket, context: TLSContext) throws -> TLSConnection {
        guard let ssl = SSL_new(context.pointer) else { throw OpenSSLError.make("SSL_new") }
        guard SSL_set_fd(ssl, socket.descriptor) == 1 else {
            SSL_free(ssl)
            throw OpenSSLError.make("SSL_set_fd")
        }
        return TLSConnection(ssl: ssl, context: context, socket: socket)
    }

    /// Reads up to `maximum` bytes; empty at orderly end of stream; throws on timeout or error
    /// (`deadlinePassed` if a `deadline` is given and passes first).
    public func read(maximum: Int = 64 * 1024, deadline: DispatchTime? = nil) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: maximum) { buffer, count in
            count = 0
            count = try read(into: UnsafeMutableRawBufferPointer(buffer), deadline: deadline)
        }
    }

    /// Reads up to `buffer.count` bytes straight into `buffer` (no intermediate copy); returns
    /// how many, 0 at orderly end of stream; throws like `read(maximum:deadline:)`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: DispatchTime? = nil) throws -> Int {
        while true {
            var count = 0
            let ok = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
            if ok == 1 { return count }
            let reason = SSL_get_error(ssl, 0)
            let savedErrno = errno
            switch reason {
            case SSL_ERROR_ZERO_RETURN:
                OpenSSLError.clear()
                return 0
            case SSL_ERROR_SYSCALL where savedErrno == 0:
                OpenSSLError.clear()
                return 0  // peer closed without close_notify
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                guard let deadline else {
                    OpenSSLError.clear()
                    throw ApiaryError(.io, "read timed out")
                }
                _ = try waitForSocket(reason, until: deadline)
            case SSL_ERROR_SYSCALL where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
                OpenSSLError.clear()
                throw ApiaryError(.io, "read timed out")
            default:
                OpenSSLError.clear()
                throw ApiaryError(.io, "TLS read failed (error \(reason), errno \(savedErrno))")
            }
        }
    }

    /// Writes all of `bytes`. With `stallTimeout` (non-blocking socket) it fails once the peer
    /// takes no bytes for that many seconds; a slow but steady reader is not cut off.
    public func write(_ bytes: [UInt8], stallTimeout: Double? = nil) throws {
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let ok = bytes.withUnsafeBytes { raw in
                SSL_write_ex(ssl, raw.baseAddress! + offset, bytes.count - offset, &written)
            }
            if ok == 1 {
                offset += written
                continue
            }
            let reason = SSL_get_error(ssl, 0)
            if let stallTimeout, reason == SSL_ERROR_WANT_WRITE || reason == SSL_ERROR_WANT_READ,
               try waitForSocket(reason, until: .now() + stallTimeout) {
                continue
            }
            OpenSSLError.clear()
            throw ApiaryError(.io, "TLS write failed (error \(reason))")
        }
    }

    /// Sends close_notify (best effort) and closes the socket.
    public func close() {
        _ = SSL_shutdown(ssl)
        OpenSSLError.clear()
        socket.close()
    }

    private func readPeerIdentity() throws -> PeerIdentity {
        guard let certificate = SSL_get1_peer_certificate(ssl) else {
            throw ApiaryError(.verificationFailed, "the peer presented no certificate")
        }
        defer { X509_free(certificate) }
        guard SSL_get_verify_result(ssl) == X509_V_OK else {
            throw ApiaryError(.verificationFailed, "the peer's certificate did not verify against the consortium CA")
        }
        return try CertificateFields.identity(of: certificate)
    }
}

/// Reads a live certificate's identity through the same parser as certificate files.
enum CertificateFields {
    static func identity(of certificate: OpaquePointer) throws -> PeerIdentity {
        var der: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(certificate, &der)
        guard length > 0, let der else { throw OpenSSLError.make("encoding the peer's certificate") }
        defer { apiary_openssl_free(der) }
        return try CertificateIdentity.parse(Array(UnsafeBufferPointer(start: der, count: Int(length))))
    }
}
