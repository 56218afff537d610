import Foundation

/// The number syntax of CSV cells: an optional sign, decimal digits with an optional decimal
/// point, and an optional exponent (`-12`, `0.5`, `.5`, `3.`, `4.22e-06`). Swift's `Double(_:)`
/// also reads hexadecimal (`0x1A`), `inf` and `nan`, which a table's numbers never mean.
public enum DecimalNumber {
    /// The value of `text` (surrounding spaces ignored), or nil if it is not a finite decimal number.
    public static func parse(_ text: some StringProtocol) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard isDecimal(trimmed.utf8), let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// A count as the protocol writes one: decimal digits only, no sign, spaces or leading zero
    /// beyond "0" (so one value has one spelling); nil otherwise or beyond `UInt64`.
    public static func canonicalCount(_ text: some StringProtocol) -> UInt64? {
        guard let value = UInt64(text), String(value) == text else { return nil }
        return value
    }

    /// Digits after the decimal point that `text` needs to be written exactly: fraction digits
    /// minus the exponent (`4.22e-06`: 8; `1.5e3`: 0); nil if it is not a decimal number.
    public static func fractionDigits(_ text: some StringProtocol) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard isDecimal(trimmed.utf8) else { return nil }
        let lowered = trimmed.lowercased()
        let parts = lowered.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var fraction = 0
        if let dot = mantissa.firstIndex(of: ".") {
            // Trailing zeros count: they show the precision the data was recorded with.
            fraction = mantissa.distance(from: mantissa.index(after: dot), to: mantissa.endIndex)
        }
        return max(0, fraction - exponent)
    }

    private static func isDecimal(_ bytes: String.UTF8View) -> Bool {
        var index = bytes.startIndex
        func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
        func digits() -> Int {
            var count = 0
            while let byte = peek(), (0x30...0x39).contains(byte) { count += 1; index = bytes.index(after: index) }
            return count
        }
        if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index = bytes.index(after: index) }
        var mantissaDigits = digits()
        if peek() == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index = bytes.index(after: index)
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index = bytes.index(after: index) }
            guard digits() > 0 else { return false }
        }
        return index == bytes.endIndex
    }
}
