/// The error type of the Shared module: an extensible code, a human reason that says what
/// went wrong and, where it helps, what to do, and the source location that raised it.
public struct ApiaryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure this is; tests and callers match on the code, humans read the reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidArgument = Code("invalidArgument")
        public static let invalidEncoding = Code("invalidEncoding")
        public static let outOfRange = Code("outOfRange")
        public static let overflow = Code("overflow")
        public static let unsupported = Code("unsupported")
        public static let cryptoFailure = Code("cryptoFailure")
        public static let verificationFailed = Code("verificationFailed")
        public static let io = Code("io")
        public static let notFound = Code("notFound")
        public static let conflict = Code("conflict")
        public static let budgetExceeded = Code("budgetExceeded")
        public static let protocolViolation = Code("protocolViolation")
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: UInt

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    /// Two errors are equal when code and reason match; the source location is diagnostic only.
    public static func == (lhs: ApiaryError, rhs: ApiaryError) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason
    }
}
