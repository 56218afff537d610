import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The key ceremony: creates the consortium CA, the threshold key, every party's credentials,
/// and one kit folder per party (docs/threshold.md, "Provisioning ceremony").
///
/// All inputs are validated before anything slow runs; all kits are written into a fresh
/// temporary folder next to the destination and renamed into place only when complete, so a
/// failure leaves nothing behind. Files are created 0600 and folders 0700 from the start.
public enum ConsortiumProvisioner {
    /// What a ceremony produced, for the command's report (no secrets).
    public struct Summary: Sendable {
        /// The folder holding every kit.
        public let directory: String
        /// The genesis description written into the kits.
        public let genesis: GenesisDescription
    }

    /// Runs the ceremony for `request` into `outputDirectory`, which must not exist yet or be
    /// an empty folder. `progress` receives human-readable lines (never secrets).
    public static func provision(_ request: ProvisioningRequest, outputDirectory: String,
                                 progress: (String) -> Void = { _ in }) throws -> Summary {
        let destination = try checkDestination(outputDirectory)
        progress("generating the \(request.keyBits)-bit threshold Paillier key: two safe primes searched in parallel (the slow step; up to a minute at 2048 bits)...")
        let started = Date()
        let dealing = try ThresholdDealer.deal(modulusBits: request.keyBits, parties: request.institutions.count, threshold: request.threshold)
        progress(String(format: "  key generated and dealt to %d institutions (t = %d) in %.1f s", request.institutions.count, request.threshold, Date().timeIntervalSince(started)))
        return try provision(request, dealing: dealing, destination: destination, progress: progress)
    }

    /// The ceremony with an existing dealing (tests deal once and reuse it).
    static func provision(_ request: ProvisioningRequest, dealing: ThresholdDealing, destination: String,
                          progress: (String) -> Void) throws -> Summary {
        let key = dealing.publicKey
        guard key.partyCount == request.institutions.count, key.threshold == request.threshold,
              key.paillier.modulusBits == request.keyBits, dealing.shares.count == key.partyCount else {
            throw ApiaryError(.invalidArgument, "the threshold key (\(key.threshold) of \(key.partyCount), \(key.paillier.modulusBits) bits) does not match the request (\(request.threshold) of \(request.institutions.count), \(request.keyBits) bits)")
        }
        progress("creating the consortium CA and certificates...")
        let ca = try CertificateAuthority.create(consortium: request.consortium)
        let coordinator = try PartyCredentials(ca: ca, name: ProvisioningRequest.coordinatorName, role: .coordinator, hosts: request.coordinatorHosts)
        let institutions = try request.institutions.map { try PartyCredentials(ca: ca, name: $0, role: .agent) }
        let researchers = try request.researchers.map { try PartyCredentials(ca: ca, name: $0, role: .researcher) }

        let paillierBytes = PaillierKeyCodec.encode(dealing.publicKey.paillier)
        let verificationBytes = ThresholdKeyCodec.encodeVerificationKeys(dealing.publicKey)
        var members = [try coordinator.member(partyId: nil)]
        members += try institutions.enumerated().map { try $1.member(partyId: $0 + 1) }
        members += try researchers.map { try $0.member(partyId: nil) }
        let genesis = GenesisDescription(
            format: GenesisDescription.formatName, version: 1, consortium: request.consortium,
            createdAt: ISO8601DateFormatter().string(from: Date()),
            caCertificateSHA256: ca.certificate.fingerprint, members: members, threshold: request.threshold,
            committee: request.institutions.enumerated().map { .init(name: $1, partyId: $0 + 1) },
            paillier: .init(modulusBits: request.keyBits, publicKeySHA256: SHA256.hash(paillierBytes).hexString),
            verificationKeysSHA256: SHA256.hash(verificationBytes).hexString, privacyPolicy: .defaults)
        let genesisBytes = try genesis.jsonData()
        let caPEM = Array(try ca.certificate.pemRepresentation().utf8)
        let publicFiles: [(String, [UInt8])] = [
            (KitLayout.caCertificate, caPEM), (KitLayout.paillierPublicKey, paillierBytes),
            (KitLayout.verificationKeys, verificationBytes), (KitLayout.genesis, genesisBytes),
        ]

        progress("writing kits...")
        try writeAtomically(to: destination) { root in
            try SecureFile.write(text: KitReadme.overview(consortium: request.consortium, threshold: request.threshold,
                                                          institutions: request.institutions, researchers: request.researchers,
                                                          keyBits: request.keyBits), to: root + "/" + KitLayout.readme)
            let caFolder = root + "/" + KitLayout.caFolder
            try SecureFile.createDirectory(caFolder)
            try SecureFile.write(text: KitReadme.ca(consortium: request.consortium), to: caFolder + "/" + KitLayout.readme)
            try SecureFile.write(text: try ca.privateKey.pemRepresentation(), to: caFolder + "/" + KitLayout.caPrivateKey)
            for (name, bytes) in publicFiles { try SecureFile.write(bytes, to: caFolder + "/" + name) }

            let coordinatorFolder = root + "/" + KitLayout.coordinatorFolder
            try coordinator.writeKit(to: coordinatorFolder, readme: KitReadme.coordinator(consortium: request.consortium), extraFiles: publicFiles)

            try SecureFile.createDirectory(root + "/" + KitLayout.institutionsFolder)
            for (index, institution) in institutions.enumerated() {
                var shareBytes = ThresholdKeyCodec.encode(dealing.shares[index])
                defer { BigUInt.wipe(&shareBytes) }
                let readme = KitReadme.institution(name: institution.name, consortium: request.consortium, partyId: index + 1,
                                                   threshold: request.threshold, parties: request.institutions.count)
                try institution.writeKit(to: root + "/" + KitLayout.institutionsFolder + "/" + institution.name, readme: readme,
                                         extraFiles: [(KitLayout.keyShare, shareBytes)] + publicFiles)
            }
            if !researchers.isEmpty {
                try SecureFile.createDirectory(root + "/" + KitLayout.researchersFolder)
                for researcher in researchers {
                    try researcher.writeKit(to: root + "/" + KitLayout.researchersFolder + "/" + researcher.name,
                                            readme: KitReadme.researcher(name: researcher.name, consortium: request.consortium),
                                            extraFiles: [(KitLayout.caCertificate, caPEM), (KitLayout.genesis, genesisBytes)])
                }
            }
        }
        progress("done: kits in \(destination); hand each folder to its holder and destroy the dealer's copy")
        return Summary(directory: destination, genesis: genesis)
    }

    /// Issues a new institution's certificate and ledger key with the CA in `caDirectory`, into
    /// a new kit `outputDirectory/NAME`. Changes no existing kit and no file of the CA folder.
    /// The institution is not in the decryption committee until an explicit re-deal.
    public static func addInstitution(name: String, caDirectory: String, outputDirectory: String,
                                      progress: (String) -> Void = { _ in }) throws -> GenesisDescription.Member {
        try ProvisioningRequest.checkMemberName(name, "institution")
        let caFolder = (caDirectory as NSString).standardizingPath
        let ca = try CertificateAuthority(certificatePEM: try SecureFile.readText(caFolder + "/" + KitLayout.caCertificate),
                                          privateKeyPEM: try SecureFile.readText(caFolder + "/" + KitLayout.caPrivateKey))
        let genesisBytes = try SecureFile.read(caFolder + "/" + KitLayout.genesis)
        let genesis = try GenesisDescription.decode(genesisBytes)
        guard genesis.consortium == ca.consortium else {
            throw ApiaryError(.invalidArgument, "the CA folder's genesis.json is for consortium '\(genesis.consortium)', but the CA is '\(ca.consortium)'")
        }
        guard !genesis.members.contains(where: { $0.name.lowercased() == name.lowercased() }), name.lowercased() != ProvisioningRequest.coordinatorName else {
            throw ApiaryError(.conflict, "'\(name)' is already a member of consortium '\(ca.consortium)'; choose another name")
        }
        let publicFiles: [(String, [UInt8])] = try [KitLayout.caCertificate, KitLayout.paillierPublicKey, KitLayout.verificationKeys, KitLayout.genesis].map {
            ($0, try SecureFile.read(caFolder + "/" + $0))
        }
        // The joint key files must parse and belong together before they are handed out.
        _ = try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: publicFiles[1].1, verificationKeys: publicFiles[2].1)

        let parent = (outputDirectory as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        let parentExists = FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory)
        if parentExists, !isDirectory.boolValue {
            throw ApiaryError(.invalidArgument, "--out \(parent) exists and is not a folder")
        }
        if parentExists { _ = try checkDestination(parent + "/" + name) }
        progress("issuing the certificate and ledger key of institution \(name)...")
        let credentials = try PartyCredentials(ca: ca, name: name, role: .agent)
        let member = try credentials.member(partyId: nil)
        if !parentExists { try SecureFile.createDirectory(parent) }
        let destination = try checkDestination(parent + "/" + name)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let request = Array(try encoder.encode(member)) + [0x0A]
        try writeAtomically(to: destination) { root in
            try credentials.writeKit(into: root, readme: KitReadme.institution(name: name, consortium: ca.consortium, partyId: nil,
                                                                               threshold: genesis.threshold, parties: genesis.committee.count),
                                     extraFiles: publicFiles + [(KitLayout.membershipRequest, request)])
        }
        progress("done: kit in \(destination); record \(KitLayout.membershipRequest) on the ledger (membership change)")
        return member
    }

    // MARK: Writing

    /// The absolute destination path, after checking it is absent or an empty folder whose
    /// parent exists. Refuses a folder that already holds anything (it may hold a consortium).
    static func checkDestination(_ path: String) throws -> String {
        guard !path.isEmpty else { throw ApiaryError(.invalidArgument, "the output folder (--out) is empty") }
        let absolute = ((path as NSString).isAbsolutePath ? path : FileManager.default.currentDirectoryPath + "/" + path)
        let standardized = (absolute as NSString).standardizingPath
        let parent = (standardized as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ApiaryError(.notFound, "the parent folder \(parent) of the output does not exist; create it first")
        }
        if FileManager.default.fileExists(atPath: standardized, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ApiaryError(.conflict, "\(standardized) exists and is a file; choose a new output folder") }
            let entries = try FileManager.default.contentsOfDirectory(atPath: standardized)
            guard entries.isEmpty else {
                throw ApiaryError(.conflict, "\(standardized) already holds files (perhaps a consortium); nothing was written. Choose a new output folder")
            }
        }
        return standardized
    }

    /// Builds the folder in a temporary sibling (0700), then renames it onto `destination`
    /// (absent or an empty folder). On any error the temporary folder is removed.
    static func writeAtomically(to destination: String, _ body: (String) throws -> Void) throws {
        let parent = (destination as NSString).deletingLastPathComponent
        let temporary = parent + "/.apiary-provision-" + SystemRandom().bytes(8).hexString
        try SecureFile.createDirectory(temporary)
        do {
            try body(temporary)
            guard rename(temporary, destination) == 0 else { throw SecureFile.posixError("moving the finished kits to \(destination)") }
            try SecureFile.syncDirectory(parent)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

/// One party's fresh credentials: TLS key and certificate, Ed25519 ledger key.
struct PartyCredentials {
    let name: String
    let role: ParticipantRole
    let tlsKey: P256PrivateKey
    let certificate: Certificate
    let ledgerKey: Ed25519PrivateKey

    init(ca: CertificateAuthority, name: String, role: ParticipantRole, hosts: [String] = []) throws {
        self.name = name
        self.role = role
        tlsKey = try P256PrivateKey()
        certificate = role == .coordinator
            ? try ca.issueServerCertificate(name: name, hosts: hosts, key: tlsKey)
            : try ca.issueClientCertificate(name: name, role: role, key: tlsKey)
        ledgerKey = try Ed25519PrivateKey()
    }

    func member(partyId: Int?) throws -> GenesisDescription.Member {
        .init(name: name, role: role, ledgerPublicKey: ledgerKey.publicKey.rawRepresentation.hexString,
              certificateSHA256: certificate.fingerprint, partyId: partyId)
    }

    /// Creates `folder` (0700) and writes the kit into it.
    func writeKit(to folder: String, readme: String, extraFiles: [(String, [UInt8])]) throws {
        try SecureFile.createDirectory(folder)
        try writeKit(into: folder, readme: readme, extraFiles: extraFiles)
    }

    /// Writes the kit into an existing folder.
    func writeKit(into folder: String, readme: String, extraFiles: [(String, [UInt8])]) throws {
        try SecureFile.write(text: readme, to: folder + "/" + KitLayout.readme)
        try SecureFile.write(text: try certificate.pemRepresentation(), to: folder + "/" + KitLayout.tlsCertificate)
        try SecureFile.write(text: try tlsKey.pemRepresentation(), to: folder + "/" + KitLayout.tlsPrivateKey)
        try SecureFile.write(text: try ledgerKey.pemRepresentation(), to: folder + "/" + KitLayout.ledgerPrivateKey)
        try SecureFile.write(text: try ledgerKey.publicKey.pemRepresentation(), to: folder + "/" + KitLayout.ledgerPublicKey)
        for (file, bytes) in extraFiles { try SecureFile.write(bytes, to: folder + "/" + file) }
    }
}
