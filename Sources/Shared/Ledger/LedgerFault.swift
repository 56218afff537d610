/// A failure located in the ledger: the entry it concerns (nil for the file as a whole) and
/// why. Converts to an `ApiaryError` whose reason starts with "entry N:".
public struct LedgerFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry index the failure concerns, when there is one.
    public var entryIndex: Int?
    /// The error code (`.verificationFailed`, `.invalidEncoding`, `.ledgerCorrupted`, ...).
    public var code: ApiaryError.Code
    /// What is wrong, without the entry prefix.
    public var reason: String

    /// A fault at `entryIndex`.
    public init(entryIndex: Int?, code: ApiaryError.Code, reason: String) {
        self.entryIndex = entryIndex
        self.code = code
        self.reason = reason
    }

    /// "entry N: reason", or just the reason for a file-wide fault.
    public var description: String {
        if let entryIndex { return "entry \(entryIndex): \(reason)" }
        return reason
    }

    /// The same failure as the module's error type.
    public var apiaryError: ApiaryError { ApiaryError(code, description) }
}
