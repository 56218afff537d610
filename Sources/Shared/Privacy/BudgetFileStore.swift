import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe replacement of a small file: the budget record must never be half-written,
/// and a charge acknowledged to the coordinator must survive a power cut.
///
/// Sequence: write a temporary file in the same directory (mode 0600, created exclusively),
/// fsync it, rename it over the target (atomic on POSIX), then fsync the directory so the
/// rename itself is durable. Interrupted system calls are retried.
enum BudgetFileStore {
    #if canImport(Glibc)
    private static let systemWrite = Glibc.write
    #else
    private static let systemWrite = Darwin.write
    #endif

    /// Atomically replaces `url` with `data`, file mode 0600.
    static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary = url.path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try retrying("create \(temporary)") { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        var closed = false
        defer {
            if !closed { _ = close(descriptor) }
        }
        do {
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = try retrying("write \(temporary)") {
                        systemWrite(descriptor, raw.baseAddress!.advanced(by: offset), raw.count - offset)
                    }
                    offset += Int(written)
                }
            }
            // The umask may have narrowed the mode; make sure it is exactly 0600, never wider.
            _ = try retrying("chmod \(temporary)") { fchmod(descriptor, 0o600) }
            _ = try retrying("fsync \(temporary)") { fsync(descriptor) }
            closed = true
            _ = try retrying("close \(temporary)") { close(descriptor) }
            _ = try retrying("rename to \(url.path)") { rename(temporary, url.path) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// The file's bytes, or nil if it does not exist.
    static func read(_ url: URL) throws -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ApiaryError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    private static func syncDirectory(_ path: String) throws {
        let descriptor = try retrying("open directory \(path)") { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = close(descriptor) }
        _ = try retrying("fsync directory \(path)") { fsync(descriptor) }
    }

    /// Runs a system call, retrying on EINTR; a negative result becomes ApiaryError(.io).
    @discardableResult
    private static func retrying<T: BinaryInteger>(_ what: String, _ call: () -> T) throws -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw ApiaryError(.io, "\(what) failed: \(String(cString: strerror(code)))")
        }
    }
}
