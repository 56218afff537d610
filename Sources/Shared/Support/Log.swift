import Foundation

/// Structured log lines on standard error: `time level event key=value ...`.
///
/// Callers pass only non-secret fields: names, counts, hashes, durations. Keys, shares and
/// private values never go into a log line.
public enum Log {
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error
        public var description: String { ["debug", "info", "warn", "error"][rawValue] }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private static let state = LogState()

    /// Lines below this level are dropped (default info; APIARY_LOG=debug|info|warn|error).
    public static var minimumLevel: Level {
        get { state.minimum }
        set { state.minimum = newValue }
    }

    public static func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write(.debug, event, fields) }
    public static func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write(.info, event, fields) }
    public static func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write(.warning, event, fields) }
    public static func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { write(.error, event, fields) }

    /// Formats one line (exposed for tests).
    public static func format(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String>, time: Date = Date()) -> String {
        var line = "\(state.timestamp(time)) \(level) \(event)"
        for (key, value) in fields {
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
            line += " \(key)=" + (needsQuotes ? JSONText.quote(value) : value)
        }
        return line
    }

    private static func write(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String>) {
        guard level >= state.minimum else { return }
        let line = format(level, event, fields) + "\n"
        state.emit(line)
    }
}

private final class LogState: @unchecked Sendable {
    private let lock = NSLockShim()
    private var _minimum: Level
    private let formatter: ISO8601DateFormatter

    typealias Level = Log.Level

    init() {
        let environment = ProcessInfo.processInfo.environment["APIARY_LOG"]?.lowercased()
        _minimum = ["debug": .debug, "info": .info, "warn": .warning, "warning": .warning, "error": .error][environment ?? ""] ?? .info
        formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    var minimum: Level {
        get { lock.withLock { _minimum } }
        set { lock.withLock { _minimum = newValue } }
    }

    func timestamp(_ date: Date) -> String { lock.withLock { formatter.string(from: date) } }

    func emit(_ line: String) {
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }
}
