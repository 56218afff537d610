import Foundation

/// Header fields in arrival order; lookups are case-insensitive (RFC 9110 section 5.1).
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, if present.
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }?.value
    }

    /// Every value of `name`.
    public func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return fields.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    /// Appends a field.
    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// Removes every field called `name` (case-insensitive).
    public mutating func remove(_ name: String) {
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
    }

    /// Replaces every field named `name` with one value.
    public mutating func set(_ name: String, _ value: String) {
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
        fields.append((name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// An HTTP/1.1 request.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The request target as sent (path and query).
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The path part of the target (before '?').
    public var path: String {
        guard let mark = target.firstIndex(of: "?") else { return target }
        return String(target[..<mark])
    }

    /// Decoded query parameters (last value wins).
    public var query: [String: String] {
        Dictionary(queryPairs, uniquingKeysWith: { $1 })
    }

    /// The first query parameter given more than once (`?from=1&from=0`), if any: servers
    /// refuse such a request rather than pick one value silently.
    public var repeatedQueryParameter: String? {
        var seen: Set<String> = []
        return queryPairs.first { !seen.insert($0.key).inserted }?.key
    }

    /// The query's decoded (key, value) pairs in order ("key" alone: an empty value).
    private var queryPairs: [(key: String, value: String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        return target[target.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.percentDecode(String(parts[0])), parts.count > 1 ? Self.percentDecode(String(parts[1])) : "")
        }
    }

    /// The options of every Connection field, lowercased: a comma-separated list of tokens
    /// (RFC 9110 section 7.6.1), so `Connection: TE, close` holds "te" and "close".
    public var connectionOptions: Set<String> {
        Set(headers.values("Connection").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: [" ", "\t"]).lowercased() }.filter { !$0.isEmpty })
    }

    /// Whether the client asked to keep the connection open (HTTP/1.1 default: yes; the parser
    /// adds "close" to an HTTP/1.0 request without "keep-alive").
    public var keepAlive: Bool { !connectionOptions.contains("close") }

    /// The path's segments, each percent-decoded once after splitting on "/" (so "%2F" stays
    /// inside its segment and `/%68ealthz` is `/healthz`); nil for a malformed escape, an
    /// encoded NUL, or a segment that is or decodes to "." or ".." (no traversal, no aliases).
    public static func decodedPathSegments(_ path: String) -> [String]? {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = decodePercentEscapes(raw.utf8), !segment.contains("\0"), segment != ".", segment != ".." else { return nil }
            segments.append(segment)
        }
        return segments
    }

    /// `text` with each "%XX" replaced by its byte; nil if a "%" is not followed by two hex digits.
    static func decodePercentEscapes<Bytes: Collection>(_ text: Bytes) -> String? where Bytes.Element == UInt8 {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// A query component decoded: "+" is a space, "%XX" a byte (a malformed escape is kept as sent).
    static func percentDecode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return decodePercentEscapes(spaced.utf8) ?? spaced
    }
}

/// An HTTP/1.1 response.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    public static func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(text.utf8))
    }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
    }

    /// An error response with a JSON body `{"error": reason}` (reasons never hold secrets).
    public static func error(_ status: Int, _ reason: String) -> HTTPResponse {
        json(status, "{\"error\": \(JSONText.quote(reason))}")
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The standard reason phrase for the status code.
    public var reasonPhrase: String { HTTPStatus.reason(status) }

    /// The serialised response: status line, headers (Content-Length added), body.
    public func serialized(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        serializedHead(keepAlive: keepAlive) + (includeBody ? body : [])
    }

    /// The status line and headers, Content-Length (of `body`) and Connection included: the
    /// server writes a large body after it without copying the two together.
    public func serializedHead(keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reasonPhrase)\r\n"
        for field in headers where field.name.lowercased() != "content-length" && field.name.lowercased() != "connection" {
            head += "\(field.name): \(field.value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n"
        head += "\r\n"
        return Array(head.utf8)
    }
}

/// Reason phrases for the status codes Apiary sends.
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}

/// Minimal JSON text helpers for hand-built bodies.
public enum JSONText {
    /// A JSON string literal for `text`, with escapes.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
