import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File-system calls for key material: files are created with their final mode (0600 by
/// default) in one `open(O_CREAT | O_EXCL)`, never widened or chmod-ed afterwards, and
/// directories with `mkdir(0700)`. Existing paths are never overwritten.
public enum SecureFile {
    /// Mode of every file a kit holds: owner read/write only.
    public static let fileMode: mode_t = 0o600
    /// Mode of every kit folder: owner only.
    public static let directoryMode: mode_t = 0o700

    /// Creates `path` as a new file with `mode`, writes `bytes`, and fsyncs it. Throws if the
    /// path exists (including as a symbolic link).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = fileMode) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw posixError("creating \(path)") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in Glibc.write(descriptor, raw.baseAddress, raw.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError("writing \(path)")
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw posixError("syncing \(path)") }
    }

    /// Writes UTF-8 text (see `write(_:to:mode:)`).
    public static func write(text: String, to path: String, mode: mode_t = fileMode) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Creates a new directory with mode 0700; throws if it exists.
    public static func createDirectory(_ path: String) throws {
        guard mkdir(path, directoryMode) == 0 else { throw posixError("creating directory \(path)") }
    }

    /// Reads a whole file of at most `maxBytes` bytes.
    public static func read(_ path: String, maxBytes: Int = 16 << 20) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("opening \(path)") }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw posixError("reading \(path)")
            }
            if count == 0 { break }
            result += buffer[0..<count]
            guard result.count <= maxBytes else {
                throw ApiaryError(.invalidArgument, "\(path) is larger than \(maxBytes) bytes; it is not the file expected here")
            }
        }
        return result
    }

    /// Reads a whole UTF-8 text file.
    public static func readText(_ path: String, maxBytes: Int = 1 << 20) throws -> String {
        String(decoding: try read(path, maxBytes: maxBytes), as: UTF8.self)
    }

    /// Flushes a directory's entries (after creating or renaming inside it).
    public static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("opening directory \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError("syncing directory \(path)") }
    }

    static func posixError(_ operation: String) -> ApiaryError {
        let code = errno
        let kind: ApiaryError.Code = code == EEXIST ? .conflict : (code == ENOENT ? .notFound : .io)
        return ApiaryError(kind, "\(operation) failed: \(String(cString: strerror(code)))")
    }
}
