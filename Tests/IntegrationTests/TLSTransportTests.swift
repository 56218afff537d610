import Foundation
import Testing
@testable import Shared

@Suite("Mutual TLS HTTP transport over loopback", .serialized)
struct TLSTransportTests {
    let fixture: TLSFixture
    let server: HTTPServer

    init() throws {
        fixture = try TLSFixture()
        let context = try TLSContext(side: .server, credentials: fixture.credentials("coordinator"))
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.limits = HTTPLimits(maxHeaderBytes: 4096, maxBodyBytes: 1 << 20)
        configuration.requestHeadTimeout = 0.5
        configuration.requestBodyTimeout = 0.5
        server = HTTPServer(configuration: configuration, tls: context, handler: EchoHandler())
        try server.start()
    }

    func client(_ party: String, ca: String = "ca") throws -> HTTPSClient {
        let context = try TLSContext(side: .client, credentials: fixture.credentials(party, ca: ca))
        return HTTPSClient(host: "127.0.0.1", port: server.port, tls: context, timeout: 5, retry: RetryPolicy(attempts: 2, baseDelay: 0.05))
    }

    @Test("identity and role come from the client certificate; keep-alive carries many requests")
    func identityAndKeepAlive() throws {
        defer { server.stop() }
        let agent = try client("hospital-a")
        let whoami = try agent.send(HTTPRequest(method: "GET", target: "/whoami"))
        #expect(whoami.status == 200)
        #expect(whoami.bodyText.contains("\"name\": \"hospital-a\"") && whoami.bodyText.contains("\"role\": \"agent\""))
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for _ in 0..<5 {
            let echoed = try agent.send(HTTPRequest(method: "POST", target: "/echo", body: payload))
            #expect(echoed.body == payload)
        }
        let researcher = try client("reader")
        #expect(try researcher.send(HTTPRequest(method: "GET", target: "/whoami")).bodyText.contains("researcher"))
        #expect(server.metrics.snapshot["requests"] == 7)
    }

    @Test("curl with the researcher's certificate reaches /healthz; without one the handshake fails")
    func curlInterop() throws {
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/healthz"
        let body = try TLSFixture.run("/usr/bin/curl", ["-sS", "--cacert", fixture.path("ca.pem"), "--cert", fixture.path("reader.pem"),
                                                       "--key", fixture.path("reader.key"), url])
        #expect(body == "ok\n")
        let refused = try TLSFixture.run("/usr/bin/curl", ["-sS", "--cacert", fixture.path("ca.pem"), url], allowFailure: true)
        #expect(!refused.contains("ok\n"))
        // openssl s_client speaks TLS 1.3 with the same credentials.
        let transcript = try TLSFixture.run("/bin/sh", ["-c", "printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' | openssl s_client -quiet -connect 127.0.0.1:\(server.port) -CAfile \(fixture.path("ca.pem")) -cert \(fixture.path("reader.pem")) -key \(fixture.path("reader.key")) -verify_return_error 2>/dev/null"])
        #expect(transcript.hasPrefix("HTTP/1.1 200 OK"))
    }

    @Test("a client certificate from another CA is refused at the handshake and the server keeps serving")
    func foreignCA() throws {
        defer { server.stop() }
        let intruder = try client("intruder")
        #expect(throws: ApiaryError.self) { try intruder.send(HTTPRequest(method: "GET", target: "/healthz")) }
        #expect((server.metrics.snapshot["handshake_failures"] ?? 0) >= 1)
        #expect(try client("hospital-a").send(HTTPRequest(method: "GET", target: "/healthz")).status == 200)
    }

    @Test("malformed, oversized and truncated requests get a 4xx with a reason; the server keeps serving")
    func badRequestsOverTLS() throws {
        defer { server.stop() }
        let context = try TLSContext(side: .client, credentials: fixture.credentials("hospital-a"))
        func raw(_ bytes: [UInt8]) throws -> String {
            let socket = try Socket.connect(host: "127.0.0.1", port: server.port, timeout: 5)
            let connection = try TLSConnection.connect(socket, context: context, host: "127.0.0.1")
            defer { connection.close() }
            try connection.write(bytes)
            var received: [UInt8] = []
            while true {
                let chunk = (try? connection.read()) ?? []
                if chunk.isEmpty { break }
                received += chunk
            }
            return String(decoding: received, as: UTF8.self)
        }
        #expect(try raw(Array("NONSENSE\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 400"))
        #expect(try raw(Array(("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "y", count: 8000) + "\r\n\r\n").utf8)).hasPrefix("HTTP/1.1 431"))
        #expect(try raw(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 413"))
        // A body shorter than announced: the server waits out its body deadline, answers 408 and closes.
        let truncated = try raw(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(truncated.hasPrefix("HTTP/1.1 408") && truncated.contains("Connection: close"))
        #expect(try client("hospital-a").send(HTTPRequest(method: "GET", target: "/healthz")).status == 200)
    }

    @Test("the client retries with backoff, then reports the unreachable server")
    func unreachable() throws {
        server.stop()
        let context = try TLSContext(side: .client, credentials: fixture.credentials("hospital-a"))
        let client = HTTPSClient(host: "127.0.0.1", port: server.port, tls: context, timeout: 1,
                                 retry: RetryPolicy(attempts: 3, baseDelay: 0.01, maxDelay: 0.05))
        do {
            _ = try client.send(HTTPRequest(method: "GET", target: "/healthz"))
            Issue.record("a stopped server answered")
        } catch let error as ApiaryError {
            #expect(error.reason.contains("after 3 attempts"))
        }
    }

    @Test("missing credential files name the file")
    func missingFiles() {
        do {
            _ = try TLSContext(side: .client, credentials: TLSCredentials(certificatePath: "/nonexistent/agent.pem", privateKeyPath: "/x", caCertificatePath: "/y"))
            Issue.record("missing certificate accepted")
        } catch let error as ApiaryError {
            #expect(error.reason.contains("/nonexistent/agent.pem"))
        } catch { Issue.record("unexpected \(error)") }
        server.stop()
    }
}
