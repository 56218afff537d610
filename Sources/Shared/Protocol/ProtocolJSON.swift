import Foundation

/// The JSON conventions of Apiary's wire messages: keys exactly as the Swift fields are named
/// (camelCase), ISO 8601 dates with fractional seconds, sorted keys (stable bytes for hashing
/// and tests).
///
/// Why no snake_case strategy: Foundation applies key strategies to dictionary keys too, which
/// would rewrite party names such as "bank_b" inside maps keyed by party.
public enum ProtocolJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an ISO 8601 time, got \"\(text)\""))
            }
            return date
        }
        return decoder
    }

    /// Encodes a message.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { [UInt8](try encoder().encode(value)) }

    /// Decodes a message, turning decoding failures into a readable `ApiaryError`. A key given
    /// twice in one object is refused: Foundation would keep one of the values silently.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw ApiaryError(.invalidEncoding, "malformed \(what): field \"\(duplicate.key)\" is given twice (line \(duplicate.line))")
        }
        do {
            return try decoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ApiaryError(.invalidEncoding, "malformed \(what): \(describe(error))")
        } catch {
            throw ApiaryError(.invalidEncoding, "malformed \(what): not JSON")
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(key.stringValue)\(path(context))"
        case .typeMismatch(_, let context): return "wrong type\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "missing value\(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "undecodable"
        }
    }
}
