import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file writes: the new content is written to a temporary file in the same folder,
/// flushed with fsync, renamed over the target, and the folder is fsynced, so after a crash the
/// file holds either the old or the new content, never a mix.
public enum DurableFile {
    /// Writes `bytes` to `path` atomically and durably. `mode` applies from creation (0600 for
    /// anything secret or private): the content is never readable with wider permissions.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw error("create", temporary) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw error("fsync", temporary) }
            close(fd)
            closed = true
            guard rename(temporary, path) == 0 else { throw error("rename", path) }
            try syncDirectory(directory.isEmpty ? "." : directory)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Appends `bytes` to `path` (created with `mode` if missing) and fsyncs before returning.
    public static func append(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode)
        guard fd >= 0 else { throw error("open", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw error("fsync", path) }
        if !existed { try syncDirectory((path as NSString).deletingLastPathComponent) }
    }

    /// Creates a folder (and parents) with `mode` if missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ApiaryError(.io, "\(path) exists and is not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: NSNumber(value: mode)])
        } catch {
            throw ApiaryError(.io, "cannot create the folder \(path): a parent is not a folder, or it may not be written")
        }
    }

    /// The bytes of `path`, or nil if it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw ApiaryError(.io, "cannot read \(path)") }
        return [UInt8](data)
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open folder", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync folder", directory) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw error("write", path)
            }
            offset += written
        }
    }

    private static func error(_ operation: String, _ path: String) -> ApiaryError {
        let code = errno
        return ApiaryError(.io, "\(operation) \(path) failed: \(String(cString: strerror(code)))")
    }
}
