import Foundation
@testable import Shared

/// Certificates for loopback tests, made by the `openssl` command-line tool (an implementation
/// independent of Apiary's own certificate code): a consortium CA, a coordinator server
/// certificate for IP 127.0.0.1, agent and researcher client certificates, and a client from a
/// foreign CA.
final class TLSFixture: @unchecked Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeCA("ca", subject: "/CN=Test Consortium CA/O=testnet")
        try makeCA("foreign-ca", subject: "/CN=Foreign CA/O=elsewhere")
        try issue("coordinator", subject: "/CN=coordinator/OU=coordinator/O=testnet", ca: "ca",
                  extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature")
        try issue("hospital-a", subject: "/CN=hospital-a/OU=agent/O=testnet", ca: "ca", extensions: "extendedKeyUsage=clientAuth")
        try issue("reader", subject: "/CN=reader/OU=researcher/O=testnet", ca: "ca", extensions: "extendedKeyUsage=clientAuth")
        try issue("intruder", subject: "/CN=intruder/OU=agent/O=testnet", ca: "foreign-ca", extensions: "extendedKeyUsage=clientAuth")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func credentials(_ party: String, ca: String = "ca") -> TLSCredentials {
        TLSCredentials(certificatePath: path("\(party).pem"), privateKeyPath: path("\(party).key"), caCertificatePath: path("\(ca).pem"))
    }

    private func makeCA(_ name: String, subject: String) throws {
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2", "-subj", subject,
                          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func issue(_ name: String, subject: String, ca: String, extensions: String) throws {
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try Self.openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                          "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext")])
    }

    @discardableResult
    static func openssl(_ arguments: [String]) throws -> String { try run("/usr/bin/openssl", arguments) }

    /// Runs a program, returning its standard output; throws with its standard error on failure.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        let result = try Subprocess.run(program, arguments)
        if result.status != 0 && !allowFailure {
            throw ApiaryError(.io, "\(program) \(arguments.joined(separator: " ")) failed: \(result.errors)")
        }
        return result.output + (allowFailure ? result.errors : "")
    }
}

/// Echoes who called and what they sent.
struct EchoHandler: HTTPHandler {
    func handle(_ request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse {
        switch request.path {
        case "/healthz": return .text(200, "ok\n")
        case "/whoami": return .json(200, "{\"name\": \"\(peer.name)\", \"role\": \"\(peer.role.rawValue)\"}")
        case "/echo": return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: request.body)
        default: return .error(404, "no route for \(request.path)")
        }
    }
}
