/// Limits applied while parsing HTTP messages from the network.
public struct HTTPLimits: Sendable {
    /// Largest request line plus headers, in bytes (431).
    public var maxHeaderBytes: Int
    /// Largest body any request may carry, in bytes (413): the limit of routes declared as
    /// uploads (`RouteDeclaration.BodyLimit.upload`) and the ceiling of every other limit.
    public var maxBodyBytes: Int
    /// Largest number of header fields (431).
    public var maxHeaderCount: Int
    /// Longest request target (path and query), in bytes (414).
    public var maxTargetBytes: Int
    /// Largest body on a route that declares no limit of its own, in bytes (413). Why much
    /// smaller than `maxBodyBytes`: only the upload routes need large bodies, and every body is
    /// held in memory while its request is handled.
    public var defaultBodyBytes: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 64 * 1024 * 1024, maxHeaderCount: Int = 100,
                maxTargetBytes: Int = 8 * 1024, defaultBodyBytes: Int = 1024 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxTargetBytes = maxTargetBytes
        self.defaultBodyBytes = defaultBodyBytes
    }
}

/// A malformed or oversized message: the status to answer with and a reason for the client.
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: Int
    public let reason: String
    public var description: String { "\(status): \(reason)" }
}

/// Incremental HTTP/1.1 message parser: feed bytes as they arrive, take complete messages out.
///
/// Bodies are delimited by Content-Length (chunked transfer coding is refused with 501 for
/// requests; Apiary's clients always send a length). Bytes after a complete message stay
/// buffered for the next one (pipelining and keep-alive).
///
/// Lines must end in CRLF: a bare LF or bare CR in the head is refused with 400 at once. Why
/// not accept bare LF (RFC 9112 section 2.2 allows either): a parser that is lenient where a
/// proxy in front is strict (or the reverse) is how requests get smuggled; Apiary's clients,
/// curl and openssl all send CRLF. Empty lines before a request line are skipped (section 2.2).
public struct HTTPParser: Sendable {
    public enum Kind: Sendable { case request, response }

    /// The methods passed to the handler (which answers 405 where one does not apply); any
    /// other token gets 501. Methods are case-sensitive (RFC 9110 section 9.1).
    static let knownMethods: Set<Substring> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]

    private let kind: Kind
    private let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// How much of `buffer` has been checked for line endings without finding the head's end
    /// (so a head that arrives byte by byte is scanned once, not once per byte).
    private var scannedHeadBytes = 0
    /// Whether the response being parsed answers a HEAD request (no body follows).
    public var expectingHeadResponse = false

    public init(kind: Kind, limits: HTTPLimits = HTTPLimits()) {
        self.kind = kind
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a complete message.
    public var bufferedByteCount: Int { buffer.count }

    /// Adds received bytes.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { buffer.append(contentsOf: bytes) }

    /// The next complete request, or nil if more bytes are needed.
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        guard let (head, length, bodyStart) = try parseRequestHead() else { return nil }
        guard buffer.count - bodyStart >= length else { return nil }
        var request = head
        request.body = Array(buffer[bodyStart..<(bodyStart + length)])
        consume(bodyStart + length)
        return request
    }

    /// The next request's head (with an empty body) and its body's length from Content-Length,
    /// consumed from the buffer; nil if more bytes are needed. The caller then takes the body:
    /// the part already received with `takeBuffered(into:)`, the rest from the connection.
    /// Why separate: the server checks the route's limit and the caller's role before reading a
    /// body, and reads it once into a buffer of its final size.
    public mutating func nextRequestHead() throws(HTTPParseError) -> (request: HTTPRequest, bodyLength: Int)? {
        guard let (request, length, bodyStart) = try parseRequestHead() else { return nil }
        consume(bodyStart)
        return (request, length)
    }

    /// Moves up to `destination.count` buffered bytes (the start of a body) into `destination`;
    /// returns how many.
    public mutating func takeBuffered(into destination: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(destination.count, buffer.count)
        guard count > 0 else { return 0 }
        buffer.withUnsafeBytes { destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        consume(count)
        return count
    }

    /// The next complete response, or nil if more bytes are needed.
    public mutating func nextResponse() throws(HTTPParseError) -> HTTPResponse? {
        precondition(kind == .response)
        guard let (statusLine, headers, bodyStart) = try parseHead() else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
            throw HTTPParseError(status: 502, reason: "malformed status line")
        }
        let length = expectingHeadResponse || status == 204 || status == 304 ? 0 : try bodyLength(headers, defaultWhenAbsent: nil)
        guard let length else { throw HTTPParseError(status: 502, reason: "response without Content-Length") }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        consume(bodyStart + length)
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    private mutating func consume(_ count: Int) {
        buffer.removeFirst(count)
        scannedHeadBytes = 0
    }

    /// The request head at the start of the buffer, its body's length and the body's offset.
    private mutating func parseRequestHead() throws(HTTPParseError) -> (HTTPRequest, Int, Int)? {
        precondition(kind == .request)
        while buffer.count >= 2, buffer[0] == 13, buffer[1] == 10 { consume(2) }
        try checkTargetLength()
        guard let (startLine, headers, bodyStart) = try parseHead() else { return nil }
        let parts = startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(status: 400, reason: "malformed request line")
        }
        let (method, target, version) = (parts[0], parts[1], parts[2])
        guard method.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
            throw HTTPParseError(status: 400, reason: "malformed method")
        }
        guard Self.knownMethods.contains(method) else {
            throw HTTPParseError(status: 501, reason: "method \(method) is not implemented")
        }
        let digits = version.utf8.dropFirst(5)
        guard version.hasPrefix("HTTP/"), digits.count == 3, digits.dropFirst().first == UInt8(ascii: "."),
              digits.first.map(Self.isDigit) == true, digits.last.map(Self.isDigit) == true else {
            throw HTTPParseError(status: 400, reason: "malformed HTTP version")
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw HTTPParseError(status: 505, reason: "\(version) is not supported; send HTTP/1.1 (or HTTP/1.0)")
        }
        guard target.hasPrefix("/") || target == "*" else {
            throw HTTPParseError(status: 400, reason: "request target must be an absolute path")
        }
        guard target.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw HTTPParseError(status: 400, reason: "request target holds a character that must be percent-encoded")
        }
        var request = HTTPRequest(method: String(method), target: String(target), headers: headers)
        guard target == "*" || HTTPRequest.decodedPathSegments(request.path) != nil else {
            throw HTTPParseError(status: 400, reason: "request path has a malformed percent-encoding, an encoded NUL, or a '.' or '..' segment")
        }
        let hosts = headers.values("Host").count
        guard hosts <= 1, hosts == 1 || version == "HTTP/1.0" else {
            throw HTTPParseError(status: 400, reason: hosts == 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header")
        }
        if let coding = headers["Transfer-Encoding"], coding.lowercased() != "identity" {
            throw HTTPParseError(status: 501, reason: "chunked request bodies are not supported; send Content-Length")
        }
        guard let length = try bodyLength(headers, defaultWhenAbsent: 0) else { return nil }
        if version == "HTTP/1.0", !request.connectionOptions.contains("keep-alive") { request.headers.add("Connection", "close") }
        return (request, length, bodyStart)
    }

    /// Refuses a request target over `limits.maxTargetBytes` with 414 as soon as it is known to
    /// be too long, before the head is complete.
    private func checkTargetLength() throws(HTTPParseError) {
        guard let firstSpace = buffer.prefix(64).firstIndex(of: UInt8(ascii: " ")) else { return }
        let lineEnd = buffer[firstSpace...].firstIndex(of: 13) ?? buffer.count
        let targetEnd = lineEnd == buffer.count ? lineEnd : (buffer[firstSpace + 1..<lineEnd].lastIndex(of: UInt8(ascii: " ")) ?? lineEnd)
        guard targetEnd - firstSpace - 1 > limits.maxTargetBytes else { return }
        throw HTTPParseError(status: 414, reason: "request target exceeds \(limits.maxTargetBytes) bytes")
    }

    /// Finds the end of the head; returns the start line, headers and the body's offset.
    private mutating func parseHead() throws(HTTPParseError) -> (Substring, HTTPHeaders, Int)? {
        guard let end = try findHeadEnd() else {
            if buffer.count > limits.maxHeaderBytes {
                throw HTTPParseError(status: 431, reason: "request head exceeds \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        guard end <= limits.maxHeaderBytes else {
            throw HTTPParseError(status: 431, reason: "request head exceeds \(limits.maxHeaderBytes) bytes")
        }
        guard let text = String(validating: buffer[0..<end], as: UTF8.self) else {
            throw HTTPParseError(status: 400, reason: "request head is not valid UTF-8")
        }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let startLine = lines.removeFirst()
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPParseError(status: 400, reason: "malformed header line") }
            let name = line[..<colon]
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
                throw HTTPParseError(status: 400, reason: "malformed header name")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
                throw HTTPParseError(status: 400, reason: "header \(name) holds a control character")
            }
            headers.add(String(name), value)
            guard headers.fields.count <= limits.maxHeaderCount else {
                throw HTTPParseError(status: 431, reason: "more than \(limits.maxHeaderCount) header fields")
            }
        }
        return (startLine, headers, end + 4)
    }

    private func bodyLength(_ headers: HTTPHeaders, defaultWhenAbsent: Int?) throws(HTTPParseError) -> Int? {
        let values = headers.values("Content-Length")
        guard let first = values.first else { return defaultWhenAbsent }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy(Self.isDigit) else {
            throw HTTPParseError(status: 400, reason: "invalid Content-Length")
        }
        guard let length = Int(first), length <= limits.maxBodyBytes else {
            throw HTTPParseError(status: 413, reason: "body of \(first) bytes exceeds the largest body this server accepts on any route (\(limits.maxBodyBytes) bytes)")
        }
        return length
    }

    /// Offset of the "\r\n\r\n" that ends the head, if it has arrived; refuses a bare LF or a
    /// bare CR on the way.
    private mutating func findHeadEnd() throws(HTTPParseError) -> Int? {
        var index = scannedHeadBytes
        while index < buffer.count {
            switch buffer[index] {
            case 10 where index == 0 || buffer[index - 1] != 13:
                throw HTTPParseError(status: 400, reason: "bare LF in the head; end lines with CRLF")
            case 13 where index + 1 < buffer.count && buffer[index + 1] != 10:
                throw HTTPParseError(status: 400, reason: "bare CR in the head; end lines with CRLF")
            case 10 where index >= 3 && buffer[index - 3] == 13 && buffer[index - 2] == 10:
                return index - 3
            default:
                index += 1
            }
        }
        // The last byte may be a CR whose LF is still to come: look at it again next time.
        scannedHeadBytes = max(0, buffer.count - 1)
        return nil
    }

    /// RFC 9110 section 5.6.2 `tchar`.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
}
