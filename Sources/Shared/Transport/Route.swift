/// Matches a request path against patterns such as "v1/rounds/*/updates", where each `*`
/// captures one path segment.
public struct Route: Sendable {
    public let segments: [String]

    public init(_ request: HTTPRequest) {
        segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// The captured segments if the path matches `pattern`, else nil.
    public func match(_ pattern: String) -> [String]? {
        let parts = pattern.split(separator: "/").map(String.init)
        guard parts.count == segments.count else { return nil }
        var captured: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part == "*" { captured.append(HTTPRequest.percentDecode(segment)) } else if part != segment { return nil }
        }
        return captured
    }

    /// Whether the path matches a pattern without captures.
    public func matches(_ pattern: String) -> Bool { match(pattern) != nil }
}
