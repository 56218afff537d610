import Foundation

/// Limits and addresses of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (read it back from `HTTPServer.port`).
    public var port: UInt16
    public var limits: HTTPLimits
    /// Connections served at once; more are closed at accept and logged.
    public var maxConnections: Int
    /// Seconds a kept-alive connection may sit idle between requests.
    public var idleTimeout: Double
    /// Seconds allowed to receive one whole request once it has started (and for the handshake).
    public var readTimeout: Double

    public init(host: String = "127.0.0.1", port: UInt16 = 0, limits: HTTPLimits = HTTPLimits(),
                maxConnections: Int = 256, idleTimeout: Double = 120, readTimeout: Double = 30) {
        self.host = host
        self.port = port
        self.limits = limits
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
    }
}

/// Counters for `/metrics`.
public final class HTTPServerMetrics: @unchecked Sendable {
    private let lock = NSLockShim()
    private var values: [String: Int] = [:]

    func add(_ name: String, _ amount: Int = 1) { lock.withLock { values[name, default: 0] += amount } }

    /// A snapshot of every counter: bytes_in, bytes_out, requests, rejected_requests,
    /// handshake_failures, connections_refused, connections_open.
    public var snapshot: [String: Int] { lock.withLock { values } }
}

/// HTTP/1.1 over TLS 1.3 with mutual authentication, one thread per connection.
///
/// Every request reaches the handler with the peer identity from its verified certificate.
/// Malformed or oversized requests get a 4xx with a reason, are logged, and close the
/// connection; the server keeps serving. `stop()` refuses new connections, wakes idle ones
/// and waits for requests in progress.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics = HTTPServerMetrics()
    private let context: TLSContext
    private let handler: any HTTPHandler
    private let lock = NSLockShim()
    private var listener: Socket?
    private var connections: [ObjectIdentifier: Socket] = [:]
    private var busy = 0
    private var stopping = false
    private let allDone = DispatchGroup()
    public private(set) var port: UInt16 = 0

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
            let admitted = lock.withLock { () -> Bool in
                guard !stopping, connections.count < configuration.maxConnections else { return false }
                connections[ObjectIdentifier(socket)] = socket
                allDone.enter()
                return true
            }
            guard admitted else {
                metrics.add("connections_refused")
                Log.warning("http.connection_refused", ["reason": "connection limit \(configuration.maxConnections) reached or stopping"])
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
        let connection: TLSConnection
        do {
            try socket.setTimeouts(read: configuration.readTimeout, write: configuration.readTimeout)
            connection = try TLSConnection.accept(socket, context: context)
        } catch {
            metrics.add("handshake_failures")
            Log.warning("http.handshake_failed", ["reason": "\(error)"])
            return
        }
        guard let peer = connection.peer else { return }
        var parser = HTTPParser(kind: .request, limits: configuration.limits)
        while true {
            // Between requests the idle timeout applies, within one the read timeout.
            let idle = parser.bufferedByteCount == 0
            try? socket.setTimeouts(read: idle ? configuration.idleTimeout : configuration.readTimeout,
                                    write: configuration.readTimeout)
            let request: HTTPRequest
            do {
                if let ready = try parser.nextRequest() {
                    request = ready
                } else {
                    let bytes = try connection.read()
                    if bytes.isEmpty { break }
                    metrics.add("bytes_in", bytes.count)
                    parser.feed(bytes)
                    continue
                }
            } catch let error as HTTPParseError {
                metrics.add("rejected_requests")
                Log.warning("http.bad_request", ["peer": peer.name, "status": String(error.status), "reason": error.reason])
                let response = HTTPResponse.error(error.status, error.reason).serialized(keepAlive: false)
                try? connection.write(response)
                metrics.add("bytes_out", response.count)
                break
            } catch {
                if !idle { Log.info("http.read_ended", ["peer": peer.name, "reason": "\(error)"]) }
                break
            }
            let started = DispatchTime.now()
            lock.withLock { busy += 1 }
            var response = handler.handle(request, peer: peer)
            lock.withLock { busy -= 1 }
            if response.status >= 400 { metrics.add("rejected_requests") }
            metrics.add("requests")
            let keepAlive = request.keepAlive && !lock.withLock { stopping }
            if response.headers["Cache-Control"] == nil { response.headers.add("Cache-Control", "no-store") }
            let bytes = response.serialized(keepAlive: keepAlive, includeBody: request.method != "HEAD")
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
            Log.debug("http.request", ["peer": peer.name, "role": peer.role.rawValue, "method": request.method,
                                       "path": request.path, "status": String(response.status),
                                       "ms": String(format: "%.1f", milliseconds)])
            do { try connection.write(bytes) } catch { break }
            metrics.add("bytes_out", bytes.count)
            if !keepAlive { break }
        }
        connection.close()
    }
}
