import Foundation

/// Retry policy: exponential backoff with full jitter (delay uniform in [0, min(cap, base 2^k))).
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(attempts: Int = 5, baseDelay: Double = 0.2, maxDelay: Double = 10) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The delay before retry number `attempt` (0-based).
    public func delay(attempt: Int, using source: some RandomSource = SystemRandom()) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt)))
        return source.unitDouble() * ceiling
    }
}

/// An HTTPS client for one server over mutual TLS, reusing one kept-alive connection.
///
/// A request that fails at the transport (connection refused, reset, timeout) is retried on a
/// new connection with backoff and jitter: Apiary's mutating requests are idempotent (keyed by
/// party and round), so a retry cannot apply twice.
public final class HTTPSClient: HTTPTransport, @unchecked Sendable {
    public let host: String
    public let port: UInt16
    public let timeout: Double
    public let retry: RetryPolicy
    private let context: TLSContext
    private let lock = NSLockShim()
    private var connection: TLSConnection?

    public init(host: String, port: UInt16, tls: TLSContext, timeout: Double = 30, retry: RetryPolicy = RetryPolicy()) {
        precondition(tls.side == .client, "an HTTPSClient needs a client-side TLS context")
        self.host = host
        self.port = port
        self.timeout = timeout
        self.retry = retry
        self.context = tls
    }

    deinit { connection?.close() }

    /// Parses "https://HOST:PORT" into host and port.
    public static func parse(url: String) throws -> (host: String, port: UInt16) {
        guard url.hasPrefix("https://") else {
            throw ApiaryError(.invalidArgument, "coordinator URL must start with https://, got '\(url)'")
        }
        var rest = url.dropFirst("https://".count)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
            throw ApiaryError(.invalidArgument, "coordinator URL needs an explicit port, as in https://127.0.0.1:8443, got '\(url)'")
        }
        return (String(rest[..<colon]), port)
    }

    /// Sends `request` and returns the response, retrying transport failures per `retry`.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var lastError: (any Error)? = nil
        for attempt in 0..<max(1, retry.attempts) {
            if attempt > 0 {
                let delay = retry.delay(attempt: attempt - 1)
                Log.info("http.retry", ["host": host, "attempt": String(attempt), "delay_s": String(format: "%.2f", delay)])
                Thread.sleep(forTimeInterval: delay)
            }
            do {
                return try lock.withLock { try exchange(request) }
            } catch let error as ApiaryError where error.code == .io {
                lastError = error
                lock.withLock { dropConnection() }
            } catch let error as HTTPParseError {
                lock.withLock { dropConnection() }
                throw ApiaryError(.protocolViolation, "malformed response from \(host):\(port): \(error.reason)")
            }
        }
        throw ApiaryError(.io, "no answer from https://\(host):\(port) after \(retry.attempts) attempts: \(lastError.map { "\($0)" } ?? "unknown error")")
    }

    private func exchange(_ request: HTTPRequest) throws -> HTTPResponse {
        let live = try currentConnection()
        try live.write(HTTPClientCodec.serialize(request, host: host))
        var parser = HTTPParser(kind: .response, limits: HTTPLimits(maxHeaderBytes: 64 * 1024, maxBodyBytes: 1 << 30))
        parser.expectingHeadResponse = request.method == "HEAD"
        while true {
            if let response = try parser.nextResponse() {
                if response.headers["Connection"]?.lowercased() == "close" { dropConnection() }
                return response
            }
            let bytes = try live.read()
            if bytes.isEmpty { throw ApiaryError(.io, "connection closed before the response was complete") }
            parser.feed(bytes)
        }
    }

    private func currentConnection() throws -> TLSConnection {
        if let connection { return connection }
        let socket = try Socket.connect(host: host, port: port, timeout: timeout)
        do {
            let fresh = try TLSConnection.connect(socket, context: context, host: host)
            connection = fresh
            return fresh
        } catch let error as ApiaryError where error.code == .cryptoFailure {
            // A handshake refused over certificates is not transient: do not retry it.
            throw ApiaryError(.verificationFailed, error.reason)
        }
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
    }

    /// Closes the kept-alive connection.
    public func close() { lock.withLock { dropConnection() } }
}
