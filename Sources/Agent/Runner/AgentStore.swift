import Foundation
import Shared

/// The agent's state directory (design brief section 10):
///
///     <state>/budget.json                      privacy spend (PrivacyBudgetLedger)
///     <state>/rounds/<id>/update.apcv          the encrypted update prepared for the round
///     <state>/rounds/<id>/update.sig           its signature (hex)
///     <state>/rounds/<id>/decryption.json      the one aggregate this agent decrypts in the round
///     <state>/rounds/<id>/partial.bin          its partial decryption
///
/// The update is written before it is first sent: after a crash the agent resends the very
/// same ciphertexts (the coordinator treats them as a duplicate) instead of drawing fresh
/// noise, which would release a second noisy view of the same rows. The decryption record is
/// written before the partial is sent, so no restart can make the agent decrypt two
/// different aggregates in one round.
public struct AgentStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try DurableFile.makeDirectory(root)
        try DurableFile.makeDirectory(root + "/rounds")
    }

    public var budgetFile: URL { URL(fileURLWithPath: root + "/budget.json") }

    private func directory(_ round: UInt64) throws -> String {
        let path = root + "/rounds/\(round)"
        try DurableFile.makeDirectory(path)
        return path
    }

    /// The update prepared for `round`, if any.
    public func preparedUpdate(round: UInt64) throws -> (body: [UInt8], signature: String)? {
        let folder = root + "/rounds/\(round)"
        guard let body = try DurableFile.read(folder + "/update.apcv"), let signature = try DurableFile.read(folder + "/update.sig") else {
            return nil
        }
        return (body, String(decoding: signature, as: UTF8.self))
    }

    /// Records the update prepared for `round` (signature first, then the body that marks it complete).
    public func savePreparedUpdate(round: UInt64, body: [UInt8], signature: String) throws {
        let folder = try directory(round)
        try DurableFile.write(Array(signature.utf8), to: folder + "/update.sig")
        try DurableFile.write(body, to: folder + "/update.apcv")
    }

    /// The task this agent contributed to in `round` (to settle its budget once the round commits).
    public func saveTask(_ task: UpdateTask) throws {
        try DurableFile.write(try ProtocolJSON.encode(task), to: try directory(task.roundId) + "/task.json")
    }

    public func task(round: UInt64) throws -> UpdateTask? {
        let path = root + "/rounds/\(round)/task.json"
        guard let bytes = try DurableFile.read(path) else { return nil }
        return try ProtocolJSON.decode(UpdateTask.self, from: bytes, what: path)
    }

    /// The record of what this agent decrypted in `round`.
    public struct DecryptionRecord: Codable, Sendable, Equatable {
        public var roundId: UInt64
        public var aggregateHash: String

        public init(roundId: UInt64, aggregateHash: String) {
            self.roundId = roundId
            self.aggregateHash = aggregateHash
        }
    }

    public func decryption(round: UInt64) throws -> (record: DecryptionRecord, partial: [UInt8]?)? {
        let folder = root + "/rounds/\(round)"
        guard let bytes = try DurableFile.read(folder + "/decryption.json") else { return nil }
        let record = try ProtocolJSON.decode(DecryptionRecord.self, from: bytes, what: "\(folder)/decryption.json")
        return (record, try DurableFile.read(folder + "/partial.bin"))
    }

    /// Records the aggregate decrypted in `round` before its partial decryption exists.
    public func recordDecryption(_ record: DecryptionRecord) throws {
        try DurableFile.write(try ProtocolJSON.encode(record), to: try directory(record.roundId) + "/decryption.json")
    }

    public func savePartial(round: UInt64, bytes: [UInt8]) throws {
        try DurableFile.write(bytes, to: try directory(round) + "/partial.bin")
    }
}
