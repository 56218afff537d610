/// Matches a request path against patterns such as "v1/rounds/*/updates", where each `*`
/// captures one path segment. Segments are percent-decoded once, after splitting on "/", so
/// literal parts and captures compare decoded text and "%2F" never makes a new segment.
public struct Route: Sendable {
    public let segments: [String]

    public init(_ request: HTTPRequest) { self.init(path: request.path) }

    /// Why the fallback to raw segments: the parser refuses a path that does not decode (400), so
    /// it only applies to requests built in code.
    public init(path: String) {
        segments = HTTPRequest.decodedPathSegments(path)
            ?? path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// The captured segments if the path matches `pattern`, else nil.
    public func match(_ pattern: String) -> [String]? {
        let parts = pattern.split(separator: "/").map(String.init)
        guard parts.count == segments.count else { return nil }
        var captured: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part == "*" { captured.append(segment) } else if part != segment { return nil }
        }
        return captured
    }

    /// Whether the path matches a pattern without captures.
    public func matches(_ pattern: String) -> Bool { match(pattern) != nil }
}
