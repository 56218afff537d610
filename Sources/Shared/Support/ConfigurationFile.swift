import Foundation

/// Reads a JSON configuration file into a Codable type, with errors that name the file and
/// the field. Unknown fields are refused so a typo does not silently fall back to a default.
public enum ConfigurationFile {
    public static func load<T: Decodable>(_ type: T.Type, path: String, knownKeys: Set<String>) throws -> T {
        guard let bytes = try DurableFile.read(path) else {
            throw ApiaryError(.notFound, "configuration file \(path) does not exist")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ApiaryError(.invalidEncoding, "configuration file \(path) is not a JSON object")
        }
        if let repeated = JSONDuplicateKeys.first(in: bytes) {
            throw ApiaryError(.invalidArgument, "configuration file \(path): field '\(repeated.key)' appears twice in one object (line \(repeated.line)); keep one")
        }
        if let unknown = Set(object.keys).subtracting(knownKeys).sorted().first {
            throw ApiaryError(.invalidArgument, "configuration file \(path): unknown field '\(unknown)' (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ApiaryError(.invalidArgument, "configuration file \(path): \(ProtocolJSON.describe(error))")
        }
    }

    /// Resolves `path` relative to the folder of the configuration file.
    public static func resolve(_ path: String, relativeTo configPath: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = (configPath as NSString).deletingLastPathComponent
        return base.isEmpty ? path : base + "/" + path
    }

    /// Splits "HOST:PORT".
    public static func hostAndPort(_ text: String, field: String) throws -> (String, UInt16) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw ApiaryError(.invalidArgument, "\(field) must be HOST:PORT, got '\(text)'")
        }
        return (String(text[..<colon]), port)
    }
}
