import Foundation
import Testing
@testable import Shared
import TestSupport

@Suite("Ledger store: durability, torn tails, damage")
struct LedgerStoreTests {
    static func writeFullLedger() throws -> (path: String, records: [LedgerRecord]) {
        let path = LedgerFixture.temporaryPath("ledger.bin")
        let opened = try LedgerStore.open(path: path)
        let appender = try LedgerFixture.fullLedger(store: opened.store)
        return (path, appender.ledger.records())
    }

    @Test("appended records survive reopening and the file verifies")
    func reopen() throws {
        let (path, records) = try Self.writeFullLedger()
        defer { LedgerFixture.removeTemporaryDirectory(of: path) }
        let reopened = try LedgerStore.open(path: path, create: false)
        #expect(reopened.repairedTail == nil)
        #expect(reopened.records == records)
        let report = try LedgerVerifier.verify(path: path).get()
        #expect(report.entryCount == 7)
        // A second writer is refused while the first holds the file.
        #expect(throws: ApiaryError.self) { try LedgerStore.open(path: path) }
    }

    @Test("a torn last write is truncated on open and reported; verify reports it as a failure")
    func tornTail() throws {
        let (path, records) = try Self.writeFullLedger()
        defer { LedgerFixture.removeTemporaryDirectory(of: path) }
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let lastRecordSize = LedgerFileFormat.encode(records.last!).count
        for cut in [1, 8, 9, 40, lastRecordSize - 1] {
            let torn = Array(whole[..<(whole.count - cut)])
            try Data(torn).write(to: URL(fileURLWithPath: path))
            guard case .failure(let fault) = LedgerVerifier.verify(path: path) else {
                Issue.record("verify accepted a torn tail (cut \(cut))"); continue
            }
            #expect(fault.reason.contains("torn write") && fault.entryIndex == 7, "\(fault)")
            let opened = try LedgerStore.open(path: path)
            #expect(opened.repairedTail != nil)
            #expect(opened.records == Array(records.dropLast()))
            #expect(opened.store.byteCount == whole.count - lastRecordSize)
        }
        // A zero-filled tail (what a crash can leave) is torn too.
        try Data(whole + [UInt8](repeating: 0, count: 30)).write(to: URL(fileURLWithPath: path))
        #expect(try LedgerStore.open(path: path).repairedTail != nil)
    }

    @Test("a changed byte anywhere in the file is reported with the entry index, never truncated")
    func changedByte() throws {
        let (path, records) = try Self.writeFullLedger()
        defer { LedgerFixture.removeTemporaryDirectory(of: path) }
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Map each byte to the entry its record belongs to.
        var owner: [Int] = Array(repeating: -1, count: LedgerFileFormat.fileHeaderSize)
        var entry = -1
        for record in records {
            if record.type == .entry { entry += 1 }
            owner += Array(repeating: entry, count: LedgerFileFormat.encode(record).count)
        }
        #expect(owner.count == whole.count)
        for offset in Swift.stride(from: 0, to: whole.count, by: 13) {
            var damaged = whole
            damaged[offset] ^= 0x01
            do {
                _ = try LedgerFileFormat.parse(damaged)
                Issue.record("byte \(offset) change not detected")
            } catch {
                if owner[offset] >= 0 { #expect(error.entryIndex == owner[offset], "byte \(offset): \(error)") }
            }
        }
        var damaged = whole
        damaged[whole.count / 2] ^= 0x80
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        #expect(throws: ApiaryError.self) { try LedgerStore.open(path: path) }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == damaged, "open must not repair damage")
    }

    @Test("a record split at every position parses only when whole")
    func splitRecords() throws {
        let records = try LedgerFixture.fullLedger().ledger.records().prefix(3)
        let file = LedgerFileFormat.fileHeader() + records.flatMap(LedgerFileFormat.encode)
        for cut in 0...file.count {
            let parsed = try LedgerFileFormat.parse(Array(file[..<cut]))
            #expect(parsed.tornTail == nil || parsed.intactLength < cut)
            if cut == file.count { #expect(parsed.records == Array(records) && parsed.tornTail == nil) }
        }
    }
}
