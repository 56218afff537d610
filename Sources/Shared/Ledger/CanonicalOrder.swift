/// Checks for the ordering rule of canonical sets (docs/ledger.md): lists that are sets of
/// parties or rounds are written in strictly ascending order, which both makes the encoding
/// unique and rules out duplicates without a separate check.
enum CanonicalOrder {
    /// Throws unless `keys` are strictly ascending by their UTF-8 bytes.
    static func requireAscending(_ keys: [String], _ field: String) throws {
        for index in keys.indices.dropFirst() where !(Array(keys[index - 1].utf8).lexicographicallyPrecedes(Array(keys[index].utf8))) {
            throw ApiaryError(.invalidEncoding,
                              "\(field): '\(keys[index])' is a duplicate or out of order (sets are sorted by UTF-8 bytes, no repeats)")
        }
    }

    /// Throws unless `numbers` are strictly ascending.
    static func requireAscending(_ numbers: [UInt64], _ field: String) throws {
        for index in numbers.indices.dropFirst() where numbers[index - 1] >= numbers[index] {
            throw ApiaryError(.invalidEncoding, "\(field): \(numbers[index]) is a duplicate or out of order")
        }
    }

    /// Sorts strings the way canonical sets are ordered (by UTF-8 bytes, not by Unicode rules).
    static func sorted(_ keys: [String]) -> [String] {
        keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Sorts values by a string key in canonical order.
    static func sorted<Value>(_ values: [Value], by key: (Value) -> String) -> [Value] {
        values.sorted { Array(key($0).utf8).lexicographicallyPrecedes(Array(key($1).utf8)) }
    }
}
