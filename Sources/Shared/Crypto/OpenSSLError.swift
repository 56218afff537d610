internal import COpenSSL

/// Builds `ApiaryError`s for OpenSSL failures, carrying OpenSSL's drained error queue.
enum OpenSSLError {
    /// Drains the calling thread's OpenSSL error queue into readable lines.
    static func drainQueue() -> [String] {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(cChars: buffer))
        }
        return lines
    }

    /// An error for a failed OpenSSL call named `operation`, with the queue appended.
    static func make(_ operation: String, file: String = #fileID, line: UInt = #line) -> ApiaryError {
        let queue = drainQueue()
        let detail = queue.isEmpty ? "" : " (OpenSSL: " + queue.joined(separator: "; ") + ")"
        return ApiaryError(.cryptoFailure, "\(operation) failed\(detail)", file: file, line: line)
    }

    /// Forgets errors left by an expected failure so they do not leak into a later report.
    static func clear() { ERR_clear_error() }
}
