/// One endpoint a handler serves, declared so the server can act on a request's head before
/// the handler runs: it answers HEAD for every GET route, lists the path's methods in `Allow`
/// on a 405, and, before reading a body, applies the route's body limit (413) and role (403).
///
/// A declaration only narrows what reaches the handler; the handler still checks method and
/// role itself (it is also called without a server, through `InMemoryTransport`).
public struct RouteDeclaration: Sendable {
    /// How large a body the route takes.
    public enum BodyLimit: Sendable, Equatable {
        /// `HTTPLimits.defaultBodyBytes` (also what undeclared routes get).
        case standard
        /// `HTTPLimits.maxBodyBytes`, the largest body the server takes at all.
        case upload
        /// At most this many bytes (and never more than `HTTPLimits.maxBodyBytes`).
        case bytes(Int)
    }

    public let method: String
    /// A `Route` pattern such as "v1/rounds/*/updates".
    public let pattern: String
    /// The certificate roles that may call it; nil = any (checked before the body is read).
    public let roles: Set<PeerIdentity.Role>?
    public let bodyLimit: BodyLimit

    public init(method: String, pattern: String, roles: Set<PeerIdentity.Role>? = nil, bodyLimit: BodyLimit = .standard) {
        self.method = method
        self.pattern = pattern
        self.roles = roles
        self.bodyLimit = bodyLimit
    }

    /// A GET route (HEAD is served with it).
    public static func get(_ pattern: String, roles: Set<PeerIdentity.Role>? = nil) -> RouteDeclaration {
        RouteDeclaration(method: "GET", pattern: pattern, roles: roles)
    }

    /// A POST route.
    public static func post(_ pattern: String, roles: Set<PeerIdentity.Role>? = nil, bodyLimit: BodyLimit = .standard) -> RouteDeclaration {
        RouteDeclaration(method: "POST", pattern: pattern, roles: roles, bodyLimit: bodyLimit)
    }

    /// The largest body this route takes under `limits`.
    public func maxBodyBytes(_ limits: HTTPLimits) -> Int {
        switch bodyLimit {
        case .standard: return min(limits.defaultBodyBytes, limits.maxBodyBytes)
        case .upload: return limits.maxBodyBytes
        case .bytes(let count): return min(count, limits.maxBodyBytes)
        }
    }
}

extension Array where Element == RouteDeclaration {
    /// The declaration for `method` on `route`, if any.
    public func declaration(method: String, route: Route) -> RouteDeclaration? {
        first { $0.method == method && route.matches($0.pattern) }
    }

    /// The methods declared for `route`'s path, HEAD included with GET, for an `Allow` header.
    public func allowedMethods(route: Route) -> [String] {
        var methods: [String] = []
        for declaration in self where route.matches(declaration.pattern) && !methods.contains(declaration.method) {
            methods.append(declaration.method)
            if declaration.method == "GET", !methods.contains("HEAD") { methods.append("HEAD") }
        }
        return methods
    }
}
