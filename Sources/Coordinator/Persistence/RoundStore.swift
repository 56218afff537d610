import Foundation
import Shared

/// The coordinator's state directory for rounds (design brief section 10):
///
///     <state>/rounds/<id>/task.json          the task agents received
///     <state>/rounds/<id>/state.json         the RoundState snapshot
///     <state>/rounds/<id>/updates/<agent>.apcv   accepted updates (ciphertext vectors)
///     <state>/rounds/<id>/aggregate.apcv     the aggregate once collection closed
///     <state>/rounds/<id>/partials/<party>.bin   verified partial decryptions
///     <state>/current-round                  id of the round in progress
///
/// Every write is atomic and fsynced (`DurableFile`). An update file is written before the
/// snapshot that lists it, and the snapshot before the agent is answered, so a crash at any
/// instant leaves either an unlisted file (never acknowledged; the agent's retry is accepted)
/// or a listed one. The aggregate is always recomputed from the listed files, never kept
/// incrementally on disk, so nothing is counted twice.
public struct RoundStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try DurableFile.makeDirectory(root)
        try DurableFile.makeDirectory(root + "/rounds")
    }

    func roundDirectory(_ id: UInt64) -> String { root + "/rounds/\(id)" }

    /// Creates a round's folder and records its task and first snapshot.
    public func begin(_ state: RoundState, task: UpdateTask) throws {
        let directory = roundDirectory(state.id)
        try DurableFile.makeDirectory(directory + "/updates")
        try DurableFile.write(try ProtocolJSON.encode(task), to: directory + "/task.json")
        try save(state)
        try DurableFile.write(Array(String(state.id).utf8), to: root + "/current-round")
    }

    /// Persists a snapshot.
    public func save(_ state: RoundState) throws {
        try DurableFile.write(try ProtocolJSON.encode(state), to: roundDirectory(state.id) + "/state.json")
    }

    /// Stores an agent's update durably (before it is listed or acknowledged).
    public func storeUpdate(_ bytes: [UInt8], round: UInt64, agent: String) throws {
        try DurableFile.write(bytes, to: updatePath(round: round, agent: agent))
    }

    /// The stored update of `agent` in `round`.
    public func update(round: UInt64, agent: String) throws -> [UInt8]? {
        try DurableFile.read(updatePath(round: round, agent: agent))
    }

    /// Stores the aggregate of a round.
    public func storeAggregate(_ bytes: [UInt8], round: UInt64) throws {
        try DurableFile.write(bytes, to: roundDirectory(round) + "/aggregate.apcv")
    }

    /// The aggregate of a round, once stored.
    public func aggregate(round: UInt64) throws -> [UInt8]? {
        try DurableFile.read(roundDirectory(round) + "/aggregate.apcv")
    }

    /// Stores a committee member's verified partial decryption (before it is recorded).
    public func storePartial(_ bytes: [UInt8], round: UInt64, party: String) throws {
        try DurableFile.makeDirectory(roundDirectory(round) + "/partials")
        try DurableFile.write(bytes, to: partialPath(round: round, party: party))
    }

    /// A stored partial decryption.
    public func partial(round: UInt64, party: String) throws -> [UInt8]? {
        try DurableFile.read(partialPath(round: round, party: party))
    }

    func partialPath(round: UInt64, party: String) -> String {
        precondition(PartyName.isSafe(party), "unsafe party name reached the store")
        return roundDirectory(round) + "/partials/\(party).bin"
    }

    /// The saved state of any round (nil if it never existed).
    public func state(round: UInt64) throws -> RoundState? {
        let path = roundDirectory(round) + "/state.json"
        guard let bytes = try DurableFile.read(path) else { return nil }
        return try ProtocolJSON.decode(RoundState.self, from: bytes, what: path)
    }

    /// The task of any round (nil if it never existed).
    public func task(round: UInt64) throws -> UpdateTask? {
        let path = roundDirectory(round) + "/task.json"
        guard let bytes = try DurableFile.read(path) else { return nil }
        return try ProtocolJSON.decode(UpdateTask.self, from: bytes, what: path)
    }

    /// The round in progress with its task, if any (after a restart).
    public func current() throws -> (state: RoundState, task: UpdateTask)? {
        guard let idBytes = try DurableFile.read(root + "/current-round") else { return nil }
        guard let id = UInt64(String(decoding: idBytes, as: UTF8.self)) else {
            throw ApiaryError(.invalidEncoding, "\(root)/current-round is corrupted; restore the state directory from backup")
        }
        let directory = roundDirectory(id)
        guard let stateBytes = try DurableFile.read(directory + "/state.json"),
              let taskBytes = try DurableFile.read(directory + "/task.json") else {
            throw ApiaryError(.notFound, "round \(id) is marked current but \(directory) is incomplete; restore the state directory from backup")
        }
        return (try ProtocolJSON.decode(RoundState.self, from: stateBytes, what: "\(directory)/state.json"),
                try ProtocolJSON.decode(UpdateTask.self, from: taskBytes, what: "\(directory)/task.json"))
    }

    /// Agent names are certificate CNs; refuse anything that could escape the folder.
    func updatePath(round: UInt64, agent: String) -> String {
        precondition(PartyName.isSafe(agent), "unsafe party name reached the store")
        return roundDirectory(round) + "/updates/\(agent).apcv"
    }
}
