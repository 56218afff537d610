/// Serves HTTP requests from authenticated peers. Implementations must be thread-safe: the
/// server calls `handle` from one thread per connection.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse

    /// The endpoints `handle` serves, for the server's checks before the handler runs (see
    /// `RouteDeclaration`). Empty by default: every route then gets the standard body limit.
    var routes: [RouteDeclaration] { get }

    /// Why `peer` may not make this request at all, decided from its head and certificate
    /// before any body byte is read: a status and reason, or nil if admitted. `handle` must
    /// apply the same rule (it is also called without a server).
    func admissionRefusal(of peer: PeerIdentity, for head: HTTPRequest) -> (status: Int, reason: String)?
}

extension HTTPHandler {
    public var routes: [RouteDeclaration] { [] }
    public func admissionRefusal(of peer: PeerIdentity, for head: HTTPRequest) -> (status: Int, reason: String)? { nil }
}

/// Sends requests to one server and returns its responses: `HTTPSClient` over mutual TLS,
/// `InMemoryTransport` straight into a handler (tests of protocol logic without sockets).
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

/// The in-memory twin of `HTTPSClient`: passes each request to a handler as `peer`, after a
/// round trip through the wire codec so framing bugs show up here too.
public struct InMemoryTransport: HTTPTransport {
    public let handler: any HTTPHandler
    public let peer: PeerIdentity

    public init(handler: any HTTPHandler, peer: PeerIdentity) {
        self.handler = handler
        self.peer = peer
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var requestParser = HTTPParser(kind: .request)
        requestParser.feed(HTTPClientCodec.serialize(request, host: "in-memory"))
        guard let received = try requestParser.nextRequest() else {
            throw ApiaryError(.protocolViolation, "in-memory transport: request did not frame")
        }
        let response = handler.handle(received, peer: peer)
        var responseParser = HTTPParser(kind: .response)
        responseParser.expectingHeadResponse = request.method == "HEAD"
        responseParser.feed(response.serialized(keepAlive: true, includeBody: request.method != "HEAD"))
        guard let parsed = try responseParser.nextResponse() else {
            throw ApiaryError(.protocolViolation, "in-memory transport: response did not frame")
        }
        return parsed
    }
}

/// Serialisation of client requests.
public enum HTTPClientCodec {
    public static func serialize(_ request: HTTPRequest, host: String) -> [UInt8] {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\nHost: \(host)\r\n"
        for field in request.headers where !["host", "content-length"].contains(field.name.lowercased()) {
            head += "\(field.name): \(field.value)\r\n"
        }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + request.body
    }
}
