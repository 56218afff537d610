/// What a GET's `Range` header asks of a representation of known length (RFC 9110 section 14),
/// for one range of bytes.
public enum ByteRange: Equatable, Sendable {
    /// Serve everything (200): no Range; one that is not valid `bytes=` syntax (section 14.2:
    /// an invalid range is ignored, not refused); more than one range (a multipart answer is not
    /// offered); or an If-Range, whose validator this server cannot match.
    case whole
    /// Serve these bytes (206); an end past the last byte is clamped to it.
    case part(ClosedRange<Int>)
    /// 416 with `Content-Range: bytes */LENGTH`: valid syntax, but the first byte is at or past
    /// the end, or a suffix of zero bytes.
    case unsatisfiable

    /// Resolves a `Range` header value against `length` bytes.
    public static func resolve(_ header: String?, length: Int) -> ByteRange {
        guard let header, let equals = header.firstIndex(of: "=") else { return .whole }
        guard header[..<equals].trimmingCharacters(in: [" ", "\t"]).lowercased() == "bytes" else { return .whole }
        let spec = header[header.index(after: equals)...].trimmingCharacters(in: [" ", "\t"])
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash], lastText = spec[spec.index(after: dash)...]
        guard let first = number(firstText), let last = number(lastText) else { return .whole }
        switch (first, last) {
        case (nil, let suffix?):
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .part(max(0, length - suffix)...(length - 1))
        case (let start?, let end):
            if let end, end < start { return .whole }
            guard start < length else { return .unsatisfiable }
            return .part(start...min(end ?? length - 1, length - 1))
        case (nil, nil):
            return .whole
        }
    }

    /// A 200 with `bytes` or, for a GET with a satisfiable Range, a 206 of the part asked for;
    /// a 416 for an unsatisfiable one. `headers` go on every answer, with `Accept-Ranges: bytes`.
    public static func response(serving bytes: [UInt8], request: HTTPRequest, headers: HTTPHeaders) -> HTTPResponse {
        var headers = headers
        headers.set("Accept-Ranges", "bytes")
        // Two Range fields are no valid range request: serve the whole (as for invalid syntax).
        let asked = request.method == "GET" && request.headers["If-Range"] == nil && request.headers.values("Range").count <= 1
            ? resolve(request.headers["Range"], length: bytes.count) : .whole
        switch asked {
        case .whole:
            return HTTPResponse(status: 200, headers: headers, body: bytes)
        case .part(let range):
            headers.add("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound)/\(bytes.count)")
            return HTTPResponse(status: 206, headers: headers, body: Array(bytes[range]))
        case .unsatisfiable:
            headers.add("Content-Range", "bytes */\(bytes.count)")
            return HTTPResponse(status: 416, headers: headers, body: Array("range not satisfiable for \(bytes.count) bytes\n".utf8))
        }
    }

    /// Digits as a number (saturating at `Int.max`: a huge position is still a position); nil
    /// inside for an empty text; nil outside for anything but digits.
    private static func number(_ text: Substring) -> Int?? {
        guard !text.isEmpty else { return .some(nil) }
        var value = 0
        for byte in text.utf8 {
            guard (48...57).contains(byte) else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 48))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return .some(value)
    }
}
