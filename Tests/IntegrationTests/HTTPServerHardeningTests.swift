import Foundation
import Testing
@testable import Shared

/// A handler with declared routes: a 100-byte file served with ranges, an upload route for
/// agents and a small-body route.
struct DeclaredRoutesHandler: HTTPHandler {
    static let file = (0..<100).map { UInt8(truncatingIfNeeded: $0) }
    let routes: [RouteDeclaration] = [.get("healthz"), .get("file"), .post("upload", roles: [.agent], bodyLimit: .upload), .post("small")]

    func handle(_ request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse {
        let route = Route(request)
        if route.matches("healthz") { return request.method == "GET" ? .text(200, "ok\n") : .error(405, "use GET") }
        if route.matches("file") {
            guard request.method == "GET" else { return .error(405, "use GET") }
            return ByteRange.response(serving: Self.file, request: request, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]))
        }
        if route.matches("upload") || route.matches("small") {
            return request.method == "POST" ? .json(200, "{\"received\": \(request.body.count)}") : .error(405, "use POST")
        }
        return .error(404, "no route for \(request.path)")
    }

    /// Researchers may not touch /small at all: a stand-in for the coordinator's membership rule.
    func admissionRefusal(of peer: PeerIdentity, for head: HTTPRequest) -> (status: Int, reason: String)? {
        peer.role == .researcher && Route(head).matches("small") ? (403, "\(peer.name) is not admitted here") : nil
    }
}

@Suite("HTTP server deadlines, limits and RFC 9110/9112 edge cases over loopback", .serialized)
struct HTTPServerHardeningTests {
    let fixture: TLSFixture

    init() throws { fixture = try TLSFixture() }

    /// A started server with small deadlines (tests stop it).
    func server(_ adjust: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.limits = HTTPLimits(maxHeaderBytes: 4096, maxBodyBytes: 1 << 20, maxTargetBytes: 1024, defaultBodyBytes: 1000)
        configuration.handshakeTimeout = 0.3
        configuration.idleTimeout = 0.3
        configuration.requestHeadTimeout = 0.3
        configuration.requestBodyTimeout = 0.3
        adjust(&configuration)
        let server = HTTPServer(configuration: configuration, tls: try TLSContext(side: .server, credentials: fixture.credentials("coordinator")),
                                handler: DeclaredRoutesHandler())
        try server.start()
        return server
    }

    /// Sends `pieces` over mutual TLS as `party` (pausing `gap` seconds between them), then reads
    /// until the server closes; returns what arrived and the seconds from the first write to
    /// the close and to the first byte of the answer.
    func exchange(_ server: HTTPServer, _ pieces: [String], party: String = "hospital-a", gap: Double = 0)
        throws -> (text: String, seconds: Double, firstByteSeconds: Double) {
        let context = try TLSContext(side: .client, credentials: fixture.credentials(party))
        let socket = try Socket.connect(host: "127.0.0.1", port: server.port, timeout: 3)
        let connection = try TLSConnection.connect(socket, context: context, host: "127.0.0.1")
        defer { connection.close() }
        let started = DispatchTime.now()
        for (index, piece) in pieces.enumerated() {
            if index > 0, gap > 0 { Thread.sleep(forTimeInterval: gap) }
            guard (try? connection.write(Array(piece.utf8))) != nil else { break }
        }
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        var received: [UInt8] = []
        var firstByte = 0.0
        while let chunk = try? connection.read(), !chunk.isEmpty {
            if received.isEmpty { firstByte = elapsed() }
            received += chunk
        }
        return (String(decoding: received, as: UTF8.self), elapsed(), firstByte)
    }

    func request(_ line: String, _ headers: String = "Host: x\r\n") -> String { line + "\r\n" + headers + "Connection: close\r\n\r\n" }

    /// Reads from a bare TCP socket until it is closed; the seconds that took. `dripping` sends
    /// the header of a 512-byte TLS handshake record, then one byte of it every 20 ms.
    func secondsUntilClosed(_ socket: Socket, dripping: Bool) -> Double {
        let started = DispatchTime.now()
        let recordHeader: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]
        if dripping { _ = send(socket.descriptor, recordHeader, recordHeader.count, Int32(MSG_NOSIGNAL)) }
        var byte: UInt8 = 0x01
        while true {
            if dripping { _ = send(socket.descriptor, &byte, 1, Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { break }
            if Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) > 3e9 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    }

    @Test("a handshake dripped one byte at a time is cut at its total deadline, and counted")
    func handshakeDeadline() throws {
        let server = try server()
        defer { server.stop() }
        let socket = try Socket.connect(host: "127.0.0.1", port: server.port, timeout: 3)
        let seconds = secondsUntilClosed(socket, dripping: true)
        #expect(seconds >= 0.25 && seconds < 1.5, "closed after \(seconds) s")
        #expect(server.metrics.snapshot["connections_timed_out"] == 1)
        #expect(server.metrics.snapshot["handshake_failures"] == 1)
    }

    @Test("idle bare-TCP connections can take only the handshake slots; clients get in again once they time out")
    func handshakeSlots() throws {
        let server = try server { $0.maxConnections = 8; $0.maxHandshakingConnections = 2 }
        defer { server.stop() }
        let idle = try (0..<2).map { _ in try Socket.connect(host: "127.0.0.1", port: server.port, timeout: 3) }
        Thread.sleep(forTimeInterval: 0.05)
        let third = try Socket.connect(host: "127.0.0.1", port: server.port, timeout: 3)
        #expect(secondsUntilClosed(third, dripping: false) < 0.2)
        #expect(server.metrics.snapshot["connections_refused"] == 1)
        for socket in idle { #expect(secondsUntilClosed(socket, dripping: false) < 1) }
        #expect(try exchange(server, [request("GET /healthz HTTP/1.1")]).text.hasPrefix("HTTP/1.1 200"))
    }

    @Test("a request head dripped byte by byte gets 408 at its deadline; an idle connection is closed without one")
    func requestDeadline() throws {
        let server = try server()
        defer { server.stop() }
        let dripped = try exchange(server, ["GET /healthz HTTP/1.1\r\n"] + Array(repeating: "X", count: 40), gap: 0.03)
        #expect(dripped.text.hasPrefix("HTTP/1.1 408") && dripped.text.contains("Connection: close"))
        #expect(dripped.seconds >= 0.25 && dripped.seconds < 1.5, "answered after \(dripped.seconds) s")
        let idle = try exchange(server, [])
        #expect(idle.text.isEmpty && idle.seconds < 1.5)
        let keptAlive = try exchange(server, ["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"])
        #expect(keptAlive.text.hasPrefix("HTTP/1.1 200") && keptAlive.seconds < 1.5)
        #expect(server.metrics.snapshot["connections_timed_out"] == 1)
    }

    @Test("body limits are per route and checked, with the role, from the head before any body byte is read")
    func bodyLimits() throws {
        let server = try server()
        defer { server.stop() }
        let large = String(repeating: "a", count: 100_000)
        let upload = try exchange(server, [request("POST /upload HTTP/1.1", "Host: x\r\nContent-Length: 100000\r\n") + large])
        #expect(upload.text.hasPrefix("HTTP/1.1 200") && upload.text.contains("{\"received\": 100000}"))
        // No body is sent: the answers can only come from the head.
        let small = try exchange(server, [request("POST /small HTTP/1.1", "Host: x\r\nContent-Length: 2000\r\n")])
        #expect(small.text.hasPrefix("HTTP/1.1 413") && small.firstByteSeconds < 0.25)
        let researcher = try exchange(server, [request("POST /upload HTTP/1.1", "Host: x\r\nContent-Length: 100000\r\n")], party: "reader")
        #expect(researcher.text.hasPrefix("HTTP/1.1 403") && researcher.text.contains("researcher") && researcher.firstByteSeconds < 0.25)
        let continued = try exchange(server, [request("POST /upload HTTP/1.1", "Host: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n"), "abc"], gap: 0.05)
        #expect(continued.text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200") && continued.text.contains("{\"received\": 3}"))
        let tooLarge = try exchange(server, [request("POST /upload HTTP/1.1", "Host: x\r\nContent-Length: 2000000\r\n")])
        #expect(tooLarge.text.hasPrefix("HTTP/1.1 413"))
        // An expectation the server cannot meet is 417, before the body (RFC 9110 section 10.1.1).
        let fancy = try exchange(server, [request("POST /upload HTTP/1.1", "Host: x\r\nExpect: fancy\r\nContent-Length: 3\r\n")])
        #expect(fancy.text.hasPrefix("HTTP/1.1 417 Expectation Failed") && fancy.firstByteSeconds < 0.25, "\(fancy.text)")
        // The handler's admission rule is applied from the head too: no 100 Continue, no body read.
        let refused = try exchange(server, [request("POST /small HTTP/1.1", "Host: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n")], party: "reader")
        #expect(refused.text.hasPrefix("HTTP/1.1 403") && refused.text.contains("not admitted") && refused.firstByteSeconds < 0.25, "\(refused.text)")
    }

    @Test("bare LF is refused with 400 at once; Connection is a token list")
    func framing() throws {
        let server = try server { $0.idleTimeout = 5; $0.requestHeadTimeout = 5 }
        defer { server.stop() }
        let bareLF = try exchange(server, ["GET /healthz HTTP/1.1\nHost: x\n\n"])
        #expect(bareLF.text.hasPrefix("HTTP/1.1 400") && bareLF.seconds < 0.5)
        let closing = try exchange(server, ["GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n"])
        #expect(closing.text.hasPrefix("HTTP/1.1 200") && closing.text.contains("Connection: close") && closing.seconds < 0.5)
    }

    @Test("HEAD is served for GET routes without a body; 405 lists the path's methods in Allow")
    func headAndAllow() throws {
        let server = try server()
        defer { server.stop() }
        let head = try exchange(server, [request("HEAD /file HTTP/1.1")])
        #expect(head.text.hasPrefix("HTTP/1.1 200") && head.text.contains("Content-Length: 100\r\n") && head.text.hasSuffix("\r\n\r\n"))
        let deleted = try exchange(server, [request("DELETE /file HTTP/1.1")])
        #expect(deleted.text.hasPrefix("HTTP/1.1 405") && deleted.text.contains("Allow: GET, HEAD\r\n"))
        let getUpload = try exchange(server, [request("GET /upload HTTP/1.1")])
        #expect(getUpload.text.hasPrefix("HTTP/1.1 405") && getUpload.text.contains("Allow: POST\r\n"))
    }

    @Test("Range: a huge end is clamped (206), invalid syntax, two fields and HEAD ignore it (200), a start past the end is 416")
    func ranges() throws {
        let server = try server()
        defer { server.stop() }
        let clamped = try exchange(server, [request("GET /file HTTP/1.1", "Host: x\r\nRange: bytes=0-99999999999999999999\r\n")])
        #expect(clamped.text.hasPrefix("HTTP/1.1 206") && clamped.text.contains("Content-Range: bytes 0-99/100\r\n"))
        for invalid in ["items=0-5", "bytes=5-3", "bytes=0-abc", "bytes=+5-+9"] {
            let ignored = try exchange(server, [request("GET /file HTTP/1.1", "Host: x\r\nRange: \(invalid)\r\n")])
            #expect(ignored.text.hasPrefix("HTTP/1.1 200") && ignored.text.contains("Content-Length: 100\r\n"), "\(invalid)")
        }
        let past = try exchange(server, [request("GET /file HTTP/1.1", "Host: x\r\nRange: bytes=100-\r\n")])
        #expect(past.text.hasPrefix("HTTP/1.1 416") && past.text.contains("Content-Range: bytes */100\r\n"))
        // Range is defined for GET only: HEAD answers with the whole representation's headers.
        let head = try exchange(server, [request("HEAD /file HTTP/1.1", "Host: x\r\nRange: bytes=0-9\r\n")])
        #expect(head.text.hasPrefix("HTTP/1.1 200") && head.text.contains("Content-Length: 100\r\n"), "\(head.text)")
        let twice = try exchange(server, [request("GET /file HTTP/1.1", "Host: x\r\nRange: bytes=0-9\r\nRange: bytes=10-19\r\n")])
        #expect(twice.text.hasPrefix("HTTP/1.1 200") && twice.text.contains("Content-Length: 100\r\n"))
    }

    @Test("Host, control characters, long targets, unknown methods, versions and encoded paths get the right status")
    func requestLineAndHeaders() throws {
        let server = try server()
        defer { server.stop() }
        func status(_ text: String) throws -> String { String(try exchange(server, [text]).text.prefix(12)) }
        #expect(try status("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n") == "HTTP/1.1 400")
        #expect(try status(request("GET /healthz HTTP/1.0", "")) == "HTTP/1.1 200")
        #expect(try status(request("GET /healthz HTTP/1.1", "Host: x\r\nX-Note: a\u{0}b\r\n")) == "HTTP/1.1 400")
        #expect(try status(request("GET /" + String(repeating: "a", count: 2000) + " HTTP/1.1")) == "HTTP/1.1 414")
        #expect(try status(request("get /healthz HTTP/1.1")) == "HTTP/1.1 501")
        #expect(try status(request("BREW /healthz HTTP/1.1")) == "HTTP/1.1 501")
        let version = try exchange(server, [request("GET /healthz HTTP/2.0")]).text
        #expect(version.hasPrefix("HTTP/1.1 505") && version.contains("HTTP/1.0"))
        #expect(try status(request("GET /%68ealthz HTTP/1.1")) == "HTTP/1.1 200")
        #expect(try status(request("GET /%2e%2e/healthz HTTP/1.1")) == "HTTP/1.1 400")
        #expect(try status(request("GET /x/%2E%2E/healthz HTTP/1.1")) == "HTTP/1.1 400")
        #expect(try status(request("GET /%zz HTTP/1.1")) == "HTTP/1.1 400")
        #expect(try status(request("GET /file%2Fhealthz HTTP/1.1")) == "HTTP/1.1 404")
    }
}
