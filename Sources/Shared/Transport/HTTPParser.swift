/// Limits applied while parsing HTTP messages from the network.
public struct HTTPLimits: Sendable {
    /// Largest request line plus headers, in bytes.
    public var maxHeaderBytes: Int
    /// Largest body, in bytes.
    public var maxBodyBytes: Int
    /// Largest number of header fields.
    public var maxHeaderCount: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 64 * 1024 * 1024, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderCount = maxHeaderCount
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
public struct HTTPParser: Sendable {
    public enum Kind: Sendable { case request, response }

    private let kind: Kind
    private let limits: HTTPLimits
    private var buffer: [UInt8] = []
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
        precondition(kind == .request)
        guard let (startLine, headers, bodyStart) = try parseHead() else { return nil }
        let parts = startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(status: 400, reason: "malformed request line")
        }
        guard parts[0].allSatisfy({ $0.isUppercase && $0.isASCII }) else {
            throw HTTPParseError(status: 400, reason: "malformed method")
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            throw HTTPParseError(status: 505, reason: "only HTTP/1.1 is supported")
        }
        guard parts[1].hasPrefix("/") || parts[1] == "*" else {
            throw HTTPParseError(status: 400, reason: "request target must be an absolute path")
        }
        if let coding = headers["Transfer-Encoding"], coding.lowercased() != "identity" {
            throw HTTPParseError(status: 501, reason: "chunked request bodies are not supported; send Content-Length")
        }
        guard let length = try bodyLength(headers, defaultWhenAbsent: 0) else { return nil }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        var request = HTTPRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
        if parts[2] == "HTTP/1.0", request.headers["Connection"] == nil { request.headers.set("Connection", "close") }
        return request
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
        buffer.removeFirst(bodyStart + length)
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// Finds the end of the head; returns the start line, headers and the body's offset.
    private func parseHead() throws(HTTPParseError) -> (Substring, HTTPHeaders, Int)? {
        guard let end = Self.findHeadEnd(buffer) else {
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
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\r" && $0 != "\n" }) else {
                throw HTTPParseError(status: 400, reason: "malformed header name")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            guard !value.contains("\r"), !value.contains("\n") else { throw HTTPParseError(status: 400, reason: "malformed header value") }
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
        guard values.allSatisfy({ $0 == first }), let length = Int(first), length >= 0, first.allSatisfy(\.isNumber) else {
            throw HTTPParseError(status: 400, reason: "invalid Content-Length")
        }
        guard length <= limits.maxBodyBytes else {
            throw HTTPParseError(status: 413, reason: "body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes)")
        }
        return length
    }

    /// Offset of "\r\n\r\n" in `bytes`, if present.
    static func findHeadEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }
}
