import Dispatch
import Foundation
import Shared

/// `apiary-bench ledger`: append+fsync throughput through `LedgerAppender`, verification time of
/// a 100,000-entry ledger shaped like a consortium run, inclusion proof time, and the machine's
/// single-core Ed25519 verification rate (the floor under verification time).
enum LedgerBench {
    static let entryCount = 100_000
    static let institutions = (1...5).map { "inst-\($0)" }
    static let committee = Array(institutions.prefix(3))
    static let researchers = ["researcher-1", "researcher-2"]
    static let rewardPolicy = RewardPolicy(participationCredits: 10, creditsPerThousandRecords: 5, qualityFloorPPM: 500_000,
                                           licencePriceCredits: 100)
    /// Rounds between dataset publications (each followed by one licence per researcher).
    static let roundsPerPublication = 250

    /// What the bench ledger holds.
    struct Composition {
        var commitments = 0, settlements = 0, publications = 0, licences = 0
        var updateSignatures = 0, coordinatorHeads = 0, cosignatures = 0
    }

    /// Runs the measurements with files under `directory` and returns text or JSON.
    static func run(json: Bool, directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) } ?? .nan
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let sequential = try measureAppends(path: directory + "/bench-append.ledger", threads: 1, appendsPerThread: 1_000)
        let grouped = try measureAppends(path: directory + "/bench-append-grouped.ledger", threads: 8, appendsPerThread: 250)
        let ledgerPath = directory + "/bench-100k.ledger"
        let (ledger, composition) = try writeLedger(path: ledgerPath, entries: entryCount)
        let verifyRate = measureVerifyRate(ledger)
        let start = DispatchTime.now()
        let report = try LedgerVerifier.verify(path: ledgerPath).get()
        let verifySeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        precondition(report.entryCount == entryCount && report.pendingEntries.isEmpty, "the bench ledger did not verify completely")
        precondition(report.signatureCount == composition.updateSignatures + composition.coordinatorHeads + composition.cosignatures)
        let proofMicros = try measureProofs(ledger)
        for name in ["bench-100k.ledger", "bench-append.ledger", "bench-append-grouped.ledger"] {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
        let floor = Double(report.signatureCount) / (verifyRate * Double(cores))
        if json {
            let figures = BenchReport.json([
                ("append_fsync_per_s", sequential), ("append_fsync_grouped_per_s", grouped), ("verify_100k_s", verifySeconds),
                ("inclusion_proof_us", proofMicros), ("ed25519_verify_per_s", verifyRate), ("verify_signature_floor_s", floor),
                ("load_average_1m", load),
            ])
            let counts: [(String, Int)] = [
                ("entries", report.entryCount), ("round_commitments", composition.commitments), ("reward_settlements", composition.settlements),
                ("dataset_publications", composition.publications), ("licence_grants", composition.licences),
                ("signatures_checked", report.signatureCount), ("update_signatures", report.updateSignatureCount),
                ("coordinator_heads", report.coordinatorHeadCount), ("cosignatures", report.cosignatureCount), ("cores", cores),
            ]
            return String(figures.dropLast()) + ", " + counts.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
        return """
        machine: \(BenchReport.machine()), 1-minute load average \(load) at start
        append+fsync, sequential appends (entry + coordinator head, one write + fdatasync each): \(String(format: "%.0f", sequential)) entries/s
        append+fsync, 8 concurrent appenders (group commit): \(String(format: "%.0f", grouped)) entries/s
        ledger: \(report.entryCount) entries = \(composition.commitments) round commitments, \(composition.settlements) settlements, \(composition.publications) publications, \(composition.licences) licences
        signatures: \(report.signatureCount) = \(report.updateSignatureCount) update + \(report.coordinatorHeadCount) coordinator heads + \(report.cosignatureCount) co-signatures
        verify 100k entries: \(String(format: "%.2f", verifySeconds)) s (signatures alone on \(cores) cores: \(String(format: "%.2f", floor)) s at \(String(format: "%.0f", verifyRate)) Ed25519 verifications/s per core)
        inclusion proof generate+verify: \(String(format: "%.1f", proofMicros)) us
        """
    }

    static func key(_ id: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("bench:\(id)".utf8)))
    }

    static func genesis(keys: [String: Ed25519PrivateKey]) -> GenesisEntry {
        let members = keys.keys.sorted().map { id in
            ConsortiumMember(id: id, role: id == "coordinator" ? .coordinator : researchers.contains(id) ? .researcher : .institution,
                             ledgerKey: keys[id]!.publicKey.rawRepresentation, certificateFingerprint: SHA256.hash(Array(id.utf8)),
                             initialCredits: researchers.contains(id) ? 1_000_000_000_000 : 0)
        }
        return GenesisEntry(
            consortiumName: "bench", members: members, threshold: 2, committee: committee,
            paillierPublicKeyHash: SHA256.hash(Array("pk".utf8)), verificationKeysHash: SHA256.hash(Array("vk".utf8)),
            packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000),
            privacyPolicy: PrivacyPolicy(minimumContributors: 3, perRoundEpsilonMicros: 1_000, perRoundDeltaAttos: 1_000,
                                         institutionCaps: institutions.map { InstitutionBudgetCap(partyId: $0, epsilonMicros: .max, deltaAttos: .max) }),
            rewardPolicy: rewardPolicy)
    }

    static func allKeys() throws -> [String: Ed25519PrivateKey] {
        var keys: [String: Ed25519PrivateKey] = [:]
        for id in ["coordinator"] + institutions + researchers { keys[id] = try key(id) }
        return keys
    }

    /// Entries per second through `LedgerAppender` with a file: each `append` is one licence
    /// grant checked against every rule, plus the coordinator's signed head, written with one
    /// write + `fdatasync` before it returns. With several threads, appends that arrive during
    /// a write share the next one (group commit); each still returns only once durable.
    static func measureAppends(path: String, threads: Int, appendsPerThread: Int) throws -> Double {
        try? FileManager.default.removeItem(atPath: path)
        let keys = try allKeys()
        let appender = try LedgerAppender(store: LedgerStore.open(path: path).store, existingRecords: [], coordinatorId: "coordinator",
                                          coordinatorKey: keys["coordinator"]!, clock: { UInt64(Date().timeIntervalSince1970 * 1000) })
        try appender.append(.genesis(genesis(keys: keys)))
        let ids = contributors(1)
        var cumulative: [String: UInt64] = [:]
        let signatures = try ids.map { id in
            try keys[id]!.signature(for: ContributionRecord.signedMessage(roundId: 1, updateHash: updateHash(1, id)))
        }
        let ledger = appender.ledger
        try appender.append(.roundCommitment(commitment(round: 1, previousSize: ledger.size, previousRoot: try ledger.tree.root(),
                                                        signatures: signatures, cumulative: &cumulative)))
        try appender.append(.datasetPublication(DatasetPublicationEntry(
            datasetId: "d", csvHash: SHA256.hash(Array("d".utf8)), csvSize: 1, datasheetHash: SHA256.hash(Array("s".utf8)),
            generator: "mst", epsilonMicros: 100, deltaAttos: 0, contributors: ids, rounds: [1])))
        return try timeAppends(appender, threads: threads, appendsPerThread: appendsPerThread)
    }

    private static func timeAppends(_ appender: LedgerAppender, threads: Int, appendsPerThread: Int) throws -> Double {
        let failures = FailureBox()
        let done = DispatchGroup()
        let start = DispatchTime.now()
        for thread in 0..<threads {
            done.enter()
            Thread {
                defer { done.leave() }
                for step in 0..<appendsPerThread {
                    // Distinct credits keep every licence's leaf hash distinct (no duplicate entries).
                    let credits = UInt64(100 + thread * appendsPerThread + step)
                    do {
                        try appender.append(.licenceGrant(LicenceGrantEntry(researcherId: researchers[thread % 2], datasetId: "d", creditsSpent: credits)))
                    } catch {
                        failures.set("\(error)")
                        return
                    }
                }
            }.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if let failure = failures.value { throw ApiaryError(.io, "bench append failed: \(failure)") }
        return Double(threads * appendsPerThread) / seconds
    }

    /// A 100,000-entry ledger shaped like a consortium run and its composition, written to
    /// `path` with one large append (building is not what is measured). It follows what
    /// `LedgerService` writes (heads batched per job, docs/ledger.md "Finality"):
    /// - genesis: a coordinator, 5 institutions (committee of 3, t = 2), 2 researchers;
    /// - jobs of 250 rounds; per round a commitment with 3, 4 or 5 contributions (rotating), each
    ///   with its update signature, appended without a head;
    /// - at a job's end the dataset publication with the coordinator's head over everything, which
    ///   2 committee institutions co-sign (every commitment of the job is then final); then the
    ///   job's 250 settlements and one licence per researcher, covered by the next job's head;
    /// - a last coordinator head co-signed by 2 institutions, so every entry is final.
    static func writeLedger(path: String, entries: Int) throws -> (Ledger, Composition) {
        try? FileManager.default.removeItem(atPath: path)
        let keys = try allKeys()
        let genesis = genesis(keys: keys)
        var ledger = Ledger()
        var records: [LedgerRecord] = []
        var composition = Composition()
        var timestamp: UInt64 = 1_750_000_000_000

        // The agents' update signatures, made on all cores up front (signing is setup, not measured).
        let maximumRounds = entries / 2 + 1
        let updateSignatures = SignatureTable(count: maximumRounds + 1)
        let signingFailures = FailureBox()
        DispatchQueue.concurrentPerform(iterations: 64) { chunk in
            for round in stride(from: 1 + chunk, through: maximumRounds, by: 64) {
                do {
                    updateSignatures.set(round, try contributors(UInt64(round)).map { id in
                        try keys[id]!.signature(for: ContributionRecord.signedMessage(roundId: UInt64(round), updateHash: updateHash(UInt64(round), id)))
                    })
                } catch { signingFailures.set("\(error)") }
            }
        }
        if let failure = signingFailures.value { throw ApiaryError(.cryptoFailure, failure) }

        func append(_ entry: LedgerEntry) {
            let index = ledger.append(entry).index
            records.append(LedgerRecord(type: .entry, payload: ledger.encodings[index]))
        }
        func signHead(cosigners: [String]) throws {
            timestamp += 1_000
            let head = try ledger.head(timestampMillis: timestamp)
            for signer in ["coordinator"] + cosigners {
                let signed = try SignedTreeHead(signing: head, signerId: signer, key: keys[signer]!)
                try ledger.add(signed)
                records.append(.signedTreeHead(signed))
            }
            composition.coordinatorHeads += 1
            composition.cosignatures += cosigners.count
        }

        append(.genesis(genesis))
        try signHead(cosigners: ["inst-1", "inst-2"])
        var round: UInt64 = 0
        var cumulative: [String: UInt64] = [:]
        var unsettled: [(UInt64, [RewardLine])] = []
        while ledger.size < entries - 1 {
            round += 1
            let commitment = try commitment(round: round, previousSize: ledger.size, previousRoot: try ledger.tree.root(),
                                            signatures: updateSignatures.get(Int(round)), cumulative: &cumulative)
            append(.roundCommitment(commitment))
            composition.commitments += 1
            composition.updateSignatures += commitment.contributions.count
            unsettled.append((round, commitment.rewards))
            let jobEnds = round % UInt64(roundsPerPublication) == 0
            // A job that would not fit ends early, so the ledger ends with a published job.
            let room = entries - 1 - ledger.size
            guard jobEnds || room <= unsettled.count + 1 + researchers.count else { continue }
            let rounds = unsettled.map(\.0)
            append(.datasetPublication(DatasetPublicationEntry(
                datasetId: "dataset-\(round)", csvHash: SHA256.hash(Array("csv\(round)".utf8)), csvSize: 1_000_000,
                datasheetHash: SHA256.hash(Array("sheet\(round)".utf8)), generator: "mst", epsilonMicros: 100, deltaAttos: 0,
                contributors: Array(Set(rounds.flatMap(contributors))).sorted(), rounds: rounds)))
            composition.publications += 1
            try signHead(cosigners: pairs[Int(round % 3)])
            for (settled, rewards) in unsettled where ledger.size < entries - 1 {
                append(.rewardSettlement(RewardSettlementEntry(roundId: settled, credits: rewards, totalCredits: rewards.reduce(0) { $0 + $1.credits })))
                composition.settlements += 1
            }
            unsettled = []
            for researcher in researchers where ledger.size < entries - 1 {
                append(.licenceGrant(LicenceGrantEntry(researcherId: researcher, datasetId: "dataset-\(round)", creditsSpent: 100)))
                composition.licences += 1
            }
        }
        // The last entry: one more settlement-free licence keeps the count exact when needed.
        while ledger.size < entries {
            append(.licenceGrant(LicenceGrantEntry(researcherId: researchers[0], datasetId: "dataset-\(UInt64(roundsPerPublication))",
                                                   creditsSpent: 100 + UInt64(ledger.size))))
            composition.licences += 1
        }
        try signHead(cosigners: ["inst-1", "inst-2"])
        let store = try LedgerStore.open(path: path).store
        try store.append(contentsOf: records)
        return (ledger, composition)
    }

    /// Pairs of committee members taking turns at decrypting and co-signing.
    static let pairs = [["inst-1", "inst-2"], ["inst-2", "inst-3"], ["inst-1", "inst-3"]]

    /// Round `round`'s contributors: 3, 4 or 5 institutions in turn.
    static func contributors(_ round: UInt64) -> [String] {
        let count = 3 + Int(round % 3)
        return (0..<count).map { institutions[(Int(round) + $0) % institutions.count] }.sorted()
    }

    static func updateHash(_ round: UInt64, _ id: String) -> [UInt8] { SHA256.hash(Array("update:\(round):\(id)".utf8)) }

    /// A valid commitment for `round` as the entry after `previousSize` entries with root
    /// `previousRoot`; `signatures` are the contributors' update signatures, in order.
    static func commitment(round: UInt64, previousSize: Int, previousRoot: [UInt8], signatures: [[UInt8]],
                           cumulative: inout [String: UInt64]) throws -> RoundCommitmentEntry {
        var contributions: [ContributionRecord] = []
        for (position, id) in contributors(round).enumerated() {
            cumulative[id, default: 0] += 100
            contributions.append(ContributionRecord(partyId: id, updateHash: updateHash(round, id), updateSignature: signatures[position],
                                                    noisedRecordCount: 5_000 + Int64(position), epsilonSpentMicros: 100,
                                                    cumulativeEpsilonMicros: cumulative[id]!, cumulativeDeltaAttos: 0))
        }
        let rewards = contributions.map { RewardLine(partyId: $0.partyId, credits: rewardPolicy.reward(noisedRecordCount: $0.noisedRecordCount, qualityPPM: 900_000)!) }
        return RoundCommitmentEntry(
            roundId: round, previousHeadSize: UInt64(previousSize), previousHeadRoot: previousRoot,
            modelHashIn: SHA256.hash(Array("m\(round - 1)".utf8)), modelHashOut: SHA256.hash(Array("m\(round)".utf8)),
            paillierPublicKeyHash: SHA256.hash(Array("pk".utf8)),
            packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000), contributions: contributions,
            aggregateHash: SHA256.hash(Array("agg\(round)".utf8)),
            decryptionShares: pairs[Int(round % 3)].map { DecryptionShareRecord(partyId: $0, shareHash: SHA256.hash(Array("s\(round)\($0)".utf8)), proofHash: SHA256.hash(Array("p\(round)\($0)".utf8))) },
            totalNoiseMicros: 1, roundEpsilonMicros: 100, roundDeltaAttos: 0, qualityPPM: 900_000, rewards: rewards)
    }

    /// Ed25519 verifications per second on one core (one `Ed25519Verifier`, as each worker of
    /// the verifier uses), over the coordinator's heads of the bench ledger.
    static func measureVerifyRate(_ ledger: Ledger) -> Double {
        guard let key = try? key("coordinator").publicKey else { return .nan }
        let coordinatorHeads = Array(ledger.signedHeads.joined().filter { $0.signerId == "coordinator" }.prefix(2_000))
        let messages = coordinatorHeads.map { SignedTreeHead.signedMessage(for: $0.head) }
        let verifier = Ed25519Verifier()
        var valid = 0
        let rounds = 4
        let start = DispatchTime.now()
        for _ in 0..<rounds {
            for (position, signed) in coordinatorHeads.enumerated() where verifier.isValid(signed.signature, for: messages[position], under: key) {
                valid += 1
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        precondition(valid == rounds * coordinatorHeads.count, "a bench signature did not verify")
        return Double(valid) / seconds
    }

    /// Mean microseconds to generate and verify one inclusion proof in the 100k tree.
    static func measureProofs(_ ledger: Ledger) throws -> Double {
        let tree = ledger.tree
        let root = try tree.root()
        let rounds = 20_000
        let start = DispatchTime.now()
        for step in 0..<rounds {
            let index = (step &* 7_919) % tree.size
            let proof = try tree.inclusionProof(index: index, size: tree.size)
            guard MerkleTree.verifyInclusion(leafHash: try tree.leafHash(at: index), index: index, size: tree.size, proof: proof, root: root) else {
                throw ApiaryError(.verificationFailed, "inclusion proof \(index) did not verify")
            }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e3 / Double(rounds)
    }

    /// Update signatures per round, filled from several threads.
    final class SignatureTable: @unchecked Sendable {
        // Why @unchecked: `rows` is only touched under `lock`.
        private let lock = NSLock()
        private var rows: [[[UInt8]]]
        init(count: Int) { rows = Array(repeating: [], count: count) }
        func set(_ round: Int, _ signatures: [[UInt8]]) { lock.withLock { rows[round] = signatures } }
        func get(_ round: Int) -> [[UInt8]] { lock.withLock { rows[round] } }
    }

    /// The first failure reported by a worker thread.
    final class FailureBox: @unchecked Sendable {
        // Why @unchecked: `stored` is only touched under `lock`.
        private let lock = NSLock()
        private var stored: String?
        func set(_ failure: String) { lock.withLock { if stored == nil { stored = failure } } }
        var value: String? { lock.withLock { stored } }
    }
}
