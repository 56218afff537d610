import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The durable, append-only ledger file (format in `LedgerFileFormat`). Every append is written
/// and flushed to stable storage (`fdatasync`) before it returns, so an acknowledged entry
/// survives a crash. The file is locked (`flock`) so two processes never append to it at once.
///
/// Opening for writing repairs exactly one kind of damage, a torn last write, by truncating it
/// and reporting it in `LedgerStore.Opened.repairedTail`; `readForVerification` never repairs.
public final class LedgerStore: @unchecked Sendable {
    // Why @unchecked: the descriptor is only touched under `lock`.
    private let descriptor: Int32
    private let lock = NSLockShim()
    private var length: Int
    /// The file's path.
    public let path: String

    /// A store opened for appending, with what was in the file.
    public struct Opened: Sendable {
        /// The store, positioned at the end.
        public let store: LedgerStore
        /// The intact records found.
        public let records: [LedgerRecord]
        /// When a torn last write was cut off: what was removed. Callers should log it.
        public let repairedTail: String?
    }

    /// Opens (creating it when `create` is true and it does not exist) the ledger at `path`
    /// for appending. A torn last write is truncated and reported; any other damage throws
    /// `ApiaryError(.ledgerCorrupted, "entry N: ...")` and leaves the file untouched.
    public static func open(path: String, create: Bool = true) throws -> Opened {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = Glibc.open(path, flags, 0o600)
        guard descriptor >= 0 else { throw Self.ioError("opening \(path)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let error = Self.ioError("locking \(path)")
            close(descriptor)
            throw ApiaryError(.conflict, "\(error.reason); is another process using this ledger?")
        }
        do {
            let bytes = try readAll(descriptor: descriptor, path: path)
            let parsed: LedgerFileFormat.ParseResult
            do { parsed = try LedgerFileFormat.parse(bytes) } catch { throw error.apiaryError }
            var length = parsed.intactLength
            if parsed.tornTail != nil || bytes.isEmpty {
                guard ftruncate(descriptor, off_t(length)) == 0 else { throw Self.ioError("truncating a torn write in \(path)") }
                if length == 0 {
                    let header = LedgerFileFormat.fileHeader()
                    try writeFully(descriptor: descriptor, bytes: header, at: 0, path: path)
                    length = header.count
                }
                guard fsync(descriptor) == 0 else { throw Self.ioError("syncing \(path)") }
            }
            let store = LedgerStore(descriptor: descriptor, length: length, path: path)
            return Opened(store: store, records: parsed.records,
                          repairedTail: parsed.tornTail.map { "truncated a torn last write: \($0)" })
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Reads the ledger at `path` without changing it. Any damage, a torn tail included, is a
    /// `LedgerFault` naming the entry.
    public static func readForVerification(path: String) throws(LedgerFault) -> [LedgerRecord] {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LedgerFault(entryIndex: nil, code: .io, reason: ioError("opening \(path)").reason)
        }
        defer { close(descriptor) }
        let bytes: [UInt8]
        do { bytes = try readAll(descriptor: descriptor, path: path) } catch {
            throw LedgerFault(entryIndex: nil, code: .io, reason: "\(error)")
        }
        let parsed = try LedgerFileFormat.parse(bytes)
        if let torn = parsed.tornTail {
            let entries = parsed.records.filter { $0.type == .entry }.count
            throw LedgerFault(entryIndex: entries, code: .ledgerCorrupted,
                              reason: "the file ends in a torn write (\(torn)); verify never repairs, open the ledger for writing to truncate it")
        }
        if bytes.isEmpty {
            throw LedgerFault(entryIndex: nil, code: .ledgerCorrupted, reason: "the ledger file is empty")
        }
        return parsed.records
    }

    private init(descriptor: Int32, length: Int, path: String) {
        self.descriptor = descriptor
        self.length = length
        self.path = path
    }

    deinit { close(descriptor) }

    /// Appends one record and flushes it to stable storage.
    public func append(_ record: LedgerRecord) throws { try append(contentsOf: [record]) }

    /// Appends records with one write and one flush, so an entry and the coordinator's
    /// signed head land together. If the write fails the file is cut back to where it
    /// was, so a failed append leaves no partial record behind.
    public func append(contentsOf records: [LedgerRecord]) throws {
        var bytes: [UInt8] = []
        for record in records { bytes += LedgerFileFormat.encode(record) }
        try lock.withLock {
            do {
                try Self.writeFully(descriptor: descriptor, bytes: bytes, at: length, path: path)
                guard fdatasync(descriptor) == 0 else { throw Self.ioError("syncing \(path)") }
            } catch {
                _ = ftruncate(descriptor, off_t(length))
                throw error
            }
            length += bytes.count
        }
    }

    /// The file's length in bytes.
    public var byteCount: Int { lock.withLock { length } }

    private static func readAll(descriptor: Int32, path: String) throws -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ioError("reading the size of \(path)") }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, size - done, off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ioError("reading \(path)") }
            done += count
        }
        return bytes
    }

    private static func writeFully(descriptor: Int32, bytes: [UInt8], at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ioError("writing \(path)") }
            done += count
        }
    }

    private static func ioError(_ action: String) -> ApiaryError {
        ApiaryError(.io, "\(action): \(String(cString: strerror(errno)))")
    }
}
