/// Rules for party names (institutions, researchers, the coordinator): they become file names
/// and certificate common names, so only a safe alphabet is allowed.
public enum PartyName {
    /// 1-64 characters of a-z, A-Z, 0-9, '-', '_' and '.', not starting with '.' or '-'.
    public static func isSafe(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// Throws a clear error for an unsafe name.
    public static func validate(_ name: String, what: String = "party name") throws {
        guard isSafe(name) else {
            throw ApiaryError(.invalidArgument, "\(what) '\(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined())' is not allowed: use 1-64 letters, digits, '-', '_' or '.', not starting with '.' or '-'")
        }
    }
}
