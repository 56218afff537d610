import Foundation

/// Limits, deadlines and addresses of an `HTTPServer`.
///
/// Every deadline is a total for its phase, however the peer drips its bytes (a slow peer
/// cannot reset it by sending one byte at a time): the TLS handshake must finish within
/// `handshakeTimeout` of the accept; a kept-alive connection may then idle for `idleTimeout`
/// until a request's first byte; from that byte the head must be complete within
/// `requestHeadTimeout`, and the body within `requestBodyTimeout` of the head's end. A request
/// that misses its deadline gets 408 and the connection is closed; an idle connection, a
/// handshake or a response the peer stops reading for `writeTimeout` is closed without one.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (read it back from `HTTPServer.port`).
    public var port: UInt16
    public var limits: HTTPLimits
    /// Connections served at once; more are closed at accept and logged.
    public var maxConnections: Int
    /// Connections at once that have not finished the TLS handshake; more are closed at accept.
    /// Why: anyone can open a TCP connection, only consortium members can finish a handshake,
    /// so unauthenticated peers must not be able to fill every slot. nil: a quarter of
    /// `maxConnections` (at least 1).
    public var maxHandshakingConnections: Int?
    /// Seconds from accept to a finished TLS handshake.
    public var handshakeTimeout: Double
    /// Seconds a connection may sit idle after its handshake or between requests.
    public var idleTimeout: Double
    /// Seconds from a request's first byte to the end of its head.
    public var requestHeadTimeout: Double
    /// Seconds from the end of a request's head to the end of its body. Why separate and long:
    /// an upload of `limits.maxBodyBytes` must fit (300 s is 0.9 MB/s for 256 MiB).
    public var requestBodyTimeout: Double
    /// Seconds a response may wait for the peer to take any of its bytes.
    public var writeTimeout: Double

    public init(host: String = "127.0.0.1", port: UInt16 = 0, limits: HTTPLimits = HTTPLimits(), maxConnections: Int = 256,
                maxHandshakingConnections: Int? = nil, handshakeTimeout: Double = 10, idleTimeout: Double = 120,
                requestHeadTimeout: Double = 30, requestBodyTimeout: Double = 300, writeTimeout: Double = 30) {
        self.host = host
        self.port = port
        self.limits = limits
        self.maxConnections = maxConnections
        self.maxHandshakingConnections = maxHandshakingConnections
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.writeTimeout = writeTimeout
    }

    /// `maxHandshakingConnections`, or its default share of `maxConnections`.
    public var handshakeSlots: Int { maxHandshakingConnections ?? max(1, maxConnections / 4) }
}

/// Counters for `/metrics`.
public final class HTTPServerMetrics: @unchecked Sendable {
    private let lock = NSLockShim()
    private var values: [String: Int] = [:]

    func add(_ name: String, _ amount: Int = 1) { lock.withLock { values[name, default: 0] += amount } }

    /// A snapshot of every counter: bytes_in, bytes_out, requests, rejected_requests,
    /// handshake_failures, connections_refused, connections_timed_out (handshakes and requests
    /// that missed their deadline), connections_open.
    public var snapshot: [String: Int] { lock.withLock { values } }
}

/// HTTP/1.1 over TLS 1.3 with mutual authentication, one thread per connection.
///
/// Every request reaches the handler with the peer identity from its verified certificate.
/// Malformed or oversized requests get a 4xx with a reason, are logged, and close the
/// connection; the server keeps serving. Deadlines and connection caps: see
/// `HTTPServerConfiguration`. Before reading a body the server applies the route's declared
/// limit and role (`HTTPHandler.routes`), then reads the body once into a buffer of its final
/// size. HEAD is answered for every GET route (the handler sees GET; the body is left out), and
/// a 405 gets an `Allow` header from the declared routes. `stop()` refuses new connections,
/// wakes idle ones and waits for requests in progress.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics = HTTPServerMetrics()
    private let context: TLSContext
    private let handler: any HTTPHandler
    private let lock = NSLockShim()
    private var listener: Socket?
    private var connections: [ObjectIdentifier: Socket] = [:]
    private var handshaking = 0
    /// Only the accept loop touches these: when the next refusal may be logged, and how many
    /// were refused since the last line.
    private var nextRefusalLog: UInt64 = 0
    private var refusalsSinceLog = 0
    private var stopping = false
    private let allDone = DispatchGroup()
    public private(set) var port: UInt16 = 0

    /// Responses with a body above this size are written after their head, not copied into one buffer.
    private static let separateBodyBytes = 64 * 1024

    public init(configuration: HTTPServerConfiguration, tls: TLSContext, handler: any HTTPHandler) {
        precondition(tls.side == .server, "an HTTPServer needs a server-side TLS context")
        self.configuration = configuration
        self.context = tls
        self.handler = handler
    }

    /// Binds and starts accepting; returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        let socket = try Socket.listen(host: configuration.host, port: configuration.port)
        port = socket.localPort
        lock.withLock { listener = socket }
        let thread = Thread { [self] in acceptLoop(socket) }
        thread.name = "apiary-accept"
        thread.start()
        Log.info("http.listening", ["host": configuration.host, "port": String(port)])
        return port
    }

    /// Stops accepting, closes idle connections, and waits up to `grace` seconds for requests in progress.
    public func stop(grace: Double = 5) {
        let (listening, open) = lock.withLock { () -> (Socket?, [Socket]) in
            stopping = true
            return (listener, Array(connections.values))
        }
        listening?.shutdown()
        listening?.close()
        for socket in open { socket.shutdown() }
        _ = allDone.wait(timeout: .now() + grace)
        Log.info("http.stopped", ["port": String(port)])
    }

    private func acceptLoop(_ listening: Socket) {
        while true {
            let accepted: Socket?
            do { accepted = try listening.accept() } catch {
                Log.error("http.accept_failed", ["reason": "\(error)"])
                continue
            }
            guard let socket = accepted else { return }
            let refusal = lock.withLock { () -> String? in
                if stopping { return "stopping" }
                if connections.count >= configuration.maxConnections { return "connection limit \(configuration.maxConnections) reached" }
                if handshaking >= configuration.handshakeSlots { return "\(configuration.handshakeSlots) handshakes already in progress" }
                connections[ObjectIdentifier(socket)] = socket
                handshaking += 1
                allDone.enter()
                return nil
            }
            if let refusal {
                metrics.add("connections_refused")
                // At most one line a second: a flood must not fill the disk with its refusals.
                let now = DispatchTime.now().uptimeNanoseconds
                if now >= nextRefusalLog {
                    Log.warning("http.connection_refused", ["peer_address": socket.peerAddress, "reason": refusal,
                                                            "refused_since_last_line": String(refusalsSinceLog)])
                    nextRefusalLog = now + 1_000_000_000
                    refusalsSinceLog = 0
                }
                refusalsSinceLog += 1
                socket.close()
                continue
            }
            let thread = Thread { [self] in
                serve(socket)
                lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(socket)) }
                socket.close()
                allDone.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func serve(_ socket: Socket) {
        metrics.add("connections_open")
        defer { metrics.add("connections_open", -1) }
        let address = socket.peerAddress
        let connection: TLSConnection
        do {
            defer { lock.withLock { handshaking -= 1 } }
            try socket.setNonBlocking()
            connection = try TLSConnection.accept(socket, context: context, deadline: .now() + configuration.handshakeTimeout)
        } catch {
            metrics.add("handshake_failures")
            let timedOut = (error as? ApiaryError)?.code == TLSConnection.deadlinePassed
            if timedOut { metrics.add("connections_timed_out") }
            Log.warning("http.handshake_failed", ["peer_address": address,
                                                  "reason": timedOut ? "not complete within \(configuration.handshakeTimeout) s" : "\(error)"])
            return
        }
        defer { connection.close() }
        guard let peer = connection.peer else { return }
        var parser = HTTPParser(kind: .request, limits: configuration.limits)
        while true {
            let request: HTTPRequest
            var bodyUnread = 0
            do {
                guard let (head, bodyLength) = try readHead(connection, parser: &parser) else { return }
                bodyUnread = bodyLength
                try checkBeforeBody(head, bodyLength: bodyLength, peer: peer)
                if bodyLength > 0, head.headers["Expect"]?.lowercased() == "100-continue" {
                    try connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), stallTimeout: configuration.writeTimeout)
                }
                guard let body = try readBody(bodyLength, connection, parser: &parser) else { return }
                bodyUnread = 0
                request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body)
            } catch let error as HTTPParseError {
                metrics.add("rejected_requests")
                Log.warning("http.bad_request", ["peer": peer.name, "status": String(error.status), "reason": error.reason])
                refuse(connection, HTTPResponse.error(error.status, error.reason), unreadBody: bodyUnread)
                return
            } catch let error as ApiaryError where error.code == TLSConnection.deadlinePassed {
                metrics.add("rejected_requests")
                metrics.add("connections_timed_out")
                Log.warning("http.request_timeout", ["peer": peer.name, "peer_address": address])
                refuse(connection, HTTPResponse.error(408, "the request did not arrive in time (head within \(configuration.requestHeadTimeout) s of its first byte, body within \(configuration.requestBodyTimeout) s)"), unreadBody: 0)
                return
            } catch {
                Log.info("http.read_ended", ["peer": peer.name, "reason": "\(error)"])
                return
            }
            guard respond(to: request, peer: peer, connection: connection) else { return }
        }
    }

    /// The next request head, or nil when the peer closed or idled out between requests.
    /// Throws `deadlinePassed` when a started head is not complete in time.
    private func readHead(_ connection: TLSConnection, parser: inout HTTPParser) throws -> (HTTPRequest, Int)? {
        // Pipelined bytes already buffered count as the next request's first byte.
        var headDeadline: DispatchTime? = parser.bufferedByteCount > 0 ? .now() + configuration.requestHeadTimeout : nil
        while true {
            if let ready = try parser.nextRequestHead() { return ready }
            let bytes: [UInt8]
            do {
                bytes = try connection.read(deadline: headDeadline ?? .now() + configuration.idleTimeout)
            } catch let error as ApiaryError where error.code == TLSConnection.deadlinePassed && headDeadline == nil {
                return nil
            }
            if bytes.isEmpty { return nil }
            metrics.add("bytes_in", bytes.count)
            if headDeadline == nil { headDeadline = .now() + configuration.requestHeadTimeout }
            parser.feed(bytes)
        }
    }

    /// Refuses, from the head alone, a caller the handler does not admit at all, a caller whose
    /// role the route does not admit (403), an expectation other than 100-continue (417) or a
    /// body over the route's limit (413).
    private func checkBeforeBody(_ head: HTTPRequest, bodyLength: Int, peer: PeerIdentity) throws(HTTPParseError) {
        if let refusal = handler.admissionRefusal(of: peer, for: head) {
            throw HTTPParseError(status: refusal.status, reason: refusal.reason)
        }
        let method = head.method == "HEAD" ? "GET" : head.method
        let declaration = handler.routes.declaration(method: method, route: Route(head))
        if let roles = declaration?.roles, !roles.contains(peer.role) {
            let names = roles.map(\.rawValue).sorted().joined(separator: " or ")
            throw HTTPParseError(status: 403, reason: "only \(names) certificates may \(method) \(head.path); your certificate's role is \(peer.role.rawValue)")
        }
        // RFC 9110 section 10.1.1: an expectation other than 100-continue cannot be met.
        if let expect = head.headers["Expect"], expect.lowercased() != "100-continue" {
            throw HTTPParseError(status: 417, reason: "Expect: \(expect.prefix(40)) is not supported (only 100-continue)")
        }
        let limits = configuration.limits
        let limit = declaration?.maxBodyBytes(limits) ?? min(limits.defaultBodyBytes, limits.maxBodyBytes)
        if bodyLength > limit {
            throw HTTPParseError(status: 413, reason: "body of \(bodyLength) bytes exceeds the limit of \(limit) for \(method) \(head.path)")
        }
    }

    /// Reads a body of `length` bytes straight into its final buffer (the part already
    /// buffered by the parser first); nil if the peer closed before it was complete.
    private func readBody(_ length: Int, _ connection: TLSConnection, parser: inout HTTPParser) throws -> [UInt8]? {
        guard length > 0 else { return [] }
        let deadline = DispatchTime.now() + configuration.requestBodyTimeout
        var closedEarly = false
        let body = try [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            count = parser.takeBuffered(into: raw)
            while count < length {
                let received = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[count..<min(length, count + 64 * 1024)]),
                                                   deadline: deadline)
                if received == 0 {
                    closedEarly = true
                    return
                }
                metrics.add("bytes_in", received)
                count += received
            }
        }
        return closedEarly ? nil : body
    }

    /// Handles one request and writes its response; false when the connection is to be closed.
    private func respond(to request: HTTPRequest, peer: PeerIdentity, connection: TLSConnection) -> Bool {
        let started = DispatchTime.now()
        let isHead = request.method == "HEAD"
        var routed = request
        if isHead {
            // Served as its GET, but range handling is defined for GET only (RFC 9110 14.2).
            routed.method = "GET"
            routed.headers.remove("Range")
        }
        var response = handler.handle(routed, peer: peer)
        if response.status == 405, response.headers["Allow"] == nil {
            let allowed = handler.routes.allowedMethods(route: Route(request))
            if !allowed.isEmpty { response.headers.add("Allow", allowed.joined(separator: ", ")) }
        }
        if response.status >= 400 { metrics.add("rejected_requests") }
        metrics.add("requests")
        let keepAlive = request.keepAlive && !lock.withLock { stopping }
        if response.headers["Cache-Control"] == nil { response.headers.add("Cache-Control", "no-store") }
        let head = response.serializedHead(keepAlive: keepAlive)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        Log.debug("http.request", ["peer": peer.name, "role": peer.role.rawValue, "method": request.method,
                                   "path": request.path, "status": String(response.status),
                                   "ms": String(format: "%.1f", milliseconds)])
        do {
            if isHead {
                try connection.write(head, stallTimeout: configuration.writeTimeout)
            } else if response.body.count > Self.separateBodyBytes {
                try connection.write(head, stallTimeout: configuration.writeTimeout)
                try connection.write(response.body, stallTimeout: configuration.writeTimeout)
            } else {
                try connection.write(head + response.body, stallTimeout: configuration.writeTimeout)
            }
        } catch {
            return false
        }
        metrics.add("bytes_out", head.count + (isHead ? 0 : response.body.count))
        return keepAlive
    }

    /// Sends a refusal and, before the connection closes, reads and drops up to `unreadBody`
    /// bytes (at most the standard body limit, for at most a second, until a 0.2 s pause). Why:
    /// closing a socket with unread bytes sends a TCP reset, which can destroy the refusal
    /// before the peer reads it.
    private func refuse(_ connection: TLSConnection, _ response: HTTPResponse, unreadBody: Int) {
        let bytes = response.serialized(keepAlive: false)
        guard (try? connection.write(bytes, stallTimeout: configuration.writeTimeout)) != nil else { return }
        metrics.add("bytes_out", bytes.count)
        var left = min(unreadBody, configuration.limits.defaultBodyBytes)
        let end = DispatchTime.now() + 1
        while left > 0, let chunk = try? connection.read(maximum: min(left, 64 * 1024), deadline: min(end, .now() + 0.2)), !chunk.isEmpty {
            left -= chunk.count
        }
    }
}
