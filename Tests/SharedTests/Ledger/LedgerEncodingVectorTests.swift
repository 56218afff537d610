import Foundation
import Testing
@testable import Shared
import TestSupport

@Suite("Ledger canonical encoding vectors")
struct LedgerEncodingVectorTests {
    /// The fixture ledger with every entry kind, the one docs/ledger.md describes.
    static func vectorLedger() throws -> LedgerAppender { try LedgerFixture.ledgerWithRejection() }

    @Test("entries, leaf hashes, roots and the coordinator's signed heads match Tests/Vectors/ledger_vectors.txt")
    func vectorsMatch() throws {
        let ledger = try Self.vectorLedger().ledger
        if ProcessInfo.processInfo.environment["APIARY_PRINT_LEDGER_VECTORS"] != nil {
            for index in 0..<ledger.size {
                let coordinator = ledger.signedHeads[index].first { $0.signerId == LedgerFixture.coordinator }!
                print("index = \(index)\nkind = \(ledger.entries[index].kind.name)\nentry = \(ledger.encodings[index].hexString)")
                print("leaf_hash = \(try ledger.tree.leafHash(at: index).hexString)\nroot = \(try ledger.tree.root(size: index + 1).hexString)")
                print("head_message = \(SignedTreeHead.signedMessage(for: coordinator.head).hexString)")
                print("coordinator_signature = \(coordinator.signature.hexString)")
                print("signed_head_record = \(coordinator.encoded().hexString)\n")
            }
        }
        let records = try TestVectors.records("ledger_vectors.txt")
        #expect(records.count == ledger.size)
        let coordinatorKey = LedgerFixture.key(LedgerFixture.coordinator).publicKey
        for record in records {
            let index = try #require(record["index"].flatMap(Int.init))
            let bytes = try #require([UInt8](hexString: record["entry"] ?? ""))
            let entry = try LedgerEntry(decoding: bytes, index: index)
            #expect(entry.encoded() == bytes, "entry \(index) re-encodes to the same bytes")
            #expect(entry.kind.name == record["kind"])
            #expect(ledger.encodings[index] == bytes)
            #expect(MerkleTree.leafHash(bytes).hexString == record["leaf_hash"])
            #expect(try ledger.tree.root(size: index + 1).hexString == record["root"])
            // The head message is the domain, a zero byte, then size || root || timestamp, and
            // the coordinator signed it: check the bytes, not just the signature.
            let message = try #require([UInt8](hexString: record["head_message"] ?? ""))
            let expectedHead = TreeHead(size: UInt64(index + 1), root: try ledger.tree.root(size: index + 1), timestampMillis: LedgerFixture.timestamp)
            #expect(message == SignedTreeHead.signedMessage(for: expectedHead))
            let signature = try #require([UInt8](hexString: record["coordinator_signature"] ?? ""))
            #expect(coordinatorKey.isValidSignature(signature, for: message))
            let signedRecord = try #require([UInt8](hexString: record["signed_head_record"] ?? ""))
            let decoded = try SignedTreeHead(decoding: signedRecord)
            #expect(decoded == SignedTreeHead(head: expectedHead, signerId: LedgerFixture.coordinator, signature: signature))
            #expect(decoded.encoded() == signedRecord)
        }
    }

    @Test("decoding rejects trailing bytes, truncation, bad booleans order and invalid UTF-8")
    func nonCanonicalRejected() throws {
        let ledger = try Self.vectorLedger().ledger
        for (index, bytes) in ledger.encodings.enumerated() {
            #expect(throws: ApiaryError.self) { try LedgerEntry(decoding: bytes + [0], index: index) }
            for cut in Swift.stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
                #expect(throws: ApiaryError.self) { try LedgerEntry(decoding: Array(bytes[..<cut]), index: index) }
            }
        }
        // Members out of canonical order.
        var genesis = LedgerFixture.genesis
        genesis.members.swapAt(0, 1)
        let error = try #require(throws: ApiaryError.self) { try LedgerEntry(decoding: LedgerEntry.genesis(genesis).encoded(), index: 0) }
        #expect(error.reason.hasPrefix("entry 0: members"))
        // A licence whose researcher id is not UTF-8.
        var writer = CanonicalWriter()
        writer.writeUInt8(LedgerEntryKind.licenceGrant.rawValue)
        writer.writeUInt8(1)
        writer.writeBytes([0xff, 0xfe])
        writer.writeString("d")
        writer.writeUInt64(1)
        #expect(throws: ApiaryError.self) { try LedgerEntry(decoding: writer.bytes, index: 9) }
    }
}
