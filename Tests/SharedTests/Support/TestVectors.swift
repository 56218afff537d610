import Foundation

/// Loads known-answer vector files from `Tests/Vectors/` (each file notes its source).
enum TestVectors {
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // SharedTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Vectors")
    }

    /// The text of `Tests/Vectors/<name>`.
    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Key=value records separated by blank lines; lines starting with '#' are comments.
    static func records(_ name: String) throws -> [[String: String]] {
        var records: [[String: String]] = []
        var current: [String: String] = [:]
        for rawLine in try text(name).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.isEmpty {
                if !current.isEmpty { records.append(current); current = [:] }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            current[key] = value
        }
        if !current.isEmpty { records.append(current) }
        return records
    }
}
