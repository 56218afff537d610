import Foundation
import Testing
@testable import Shared

/// Runs the openssl binary (installed with libssl) and returns its exit status and output.
func runOpenSSL(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let result = try Subprocess.run("/usr/bin/openssl", arguments)
    return (result.status, result.output + result.errors)
}

/// A fresh empty scratch folder under the system temporary directory.
func scratchFolder(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "apiary-test-\(tag)-" + SystemRandom().bytes(6).hexString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

/// Every file and folder below `root` with its POSIX permissions.
func permissions(under root: String) throws -> [(path: String, isDirectory: Bool, mode: Int)] {
    var result: [(String, Bool, Int)] = []
    let manager = FileManager.default
    for relative in try manager.subpathsOfDirectory(atPath: root) {
        let path = root + "/" + relative
        let attributes = try manager.attributesOfItem(atPath: path)
        let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
        result.append((path, isDirectory, (attributes[.posixPermissions] as? Int) ?? -1))
    }
    return result
}

@Suite("Provisioning")
struct ProvisioningTests {
    let root: String
    let summary: ConsortiumProvisioner.Summary

    /// A fresh ceremony per test (5 institutions, t = 3, one researcher, the fixture's 512-bit
    /// dealing), removed when the test ends.
    init() throws {
        let parent = try scratchFolder("ceremony")
        let request = try ProvisioningRequest(consortium: "Hospitals of Testland", institutions: ["alpha", "beta", "gamma", "delta", "epsilon"],
                                              researchers: ["rita"], threshold: 3,
                                              coordinatorHosts: ["apiary.example.org", "10.1.2.3", "::1"], keyBits: 512)
        root = parent + "/consortium"
        summary = try ConsortiumProvisioner.provision(request, dealing: ThresholdFixture.dealing, destination: root, progress: { _ in })
    }

    /// Removes this test's scratch folder (key material of a test consortium).
    func cleanUp() { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }

    @Test("every kit file is 0600 and every folder 0700, and each kit has its README")
    func fileModes() throws {
        defer { cleanUp() }
        let entries = try permissions(under: root)
        #expect(entries.count > 40)
        for entry in entries {
            #expect(entry.mode == (entry.isDirectory ? 0o700 : 0o600), "\(entry.path) has mode \(String(entry.mode, radix: 8))")
        }
        let rootMode = try FileManager.default.attributesOfItem(atPath: root)[.posixPermissions] as? Int
        #expect(rootMode == 0o700)
        for kit in ["ca", "coordinator", "institutions/alpha", "institutions/epsilon", "researchers/rita"] {
            let readme = try SecureFile.readText(root + "/" + kit + "/README.md")
            #expect(readme.contains("**Holder:**"), "\(kit)")
            #expect(kit == "ca" || readme.contains("dealer's copy must be destroyed"), "\(kit)")
        }
        // The dealer's secrets are not in any file: no private Paillier key, and no share outside its kit.
        #expect(!FileManager.default.fileExists(atPath: root + "/coordinator/key-share.bin"))
        #expect(!FileManager.default.fileExists(atPath: root + "/researchers/rita/key-share.bin"))
    }

    @Test("certificates verify with openssl verify -CAfile and carry the right CN, OU, O, SAN and purpose")
    func certificates() throws {
        defer { cleanUp() }
        let ca = root + "/ca/ca-certificate.pem"
        let kits: [(String, String, ParticipantRole, String)] = [
            ("coordinator", "coordinator", .coordinator, "sslserver"),
            ("institutions/alpha", "alpha", .agent, "sslclient"),
            ("institutions/delta", "delta", .agent, "sslclient"),
            ("researchers/rita", "rita", .researcher, "sslclient"),
        ]
        for (folder, name, role, purpose) in kits {
            let certificate = root + "/" + folder + "/tls-certificate.pem"
            let verified = try runOpenSSL(["verify", "-CAfile", ca, "-purpose", purpose, certificate])
            #expect(verified.status == 0 && verified.output.contains(": OK"), "\(folder): \(verified.output)")
            let identity = try CertificateIdentity.parse(try SecureFile.read(certificate))
            #expect(identity == CertificateIdentity(name: name, role: role, consortium: "Hospitals of Testland", fingerprint: identity.fingerprint))
            let der = try runOpenSSL(["x509", "-in", certificate, "-outform", "DER", "-out", certificate + ".der.tmp"])
            #expect(der.status == 0)
            let derBytes = try SecureFile.read(certificate + ".der.tmp")
            try FileManager.default.removeItem(atPath: certificate + ".der.tmp")
            #expect(try CertificateIdentity.parse(derBytes) == identity)
            #expect(identity.fingerprint == SHA256.hash(derBytes).hexString)
            // The matching private key loads and belongs to the certificate.
            let keyCheck = try runOpenSSL(["x509", "-in", certificate, "-noout", "-pubkey"])
            let keyPublic = try P256PrivateKey(pem: try SecureFile.readText(root + "/" + folder + "/tls-private-key.pem")).publicKeyPEM()
            #expect(keyCheck.output == keyPublic)
        }
        // A client certificate is not a server certificate and vice versa.
        #expect(try runOpenSSL(["verify", "-CAfile", ca, "-purpose", "sslserver", root + "/institutions/alpha/tls-certificate.pem"]).status != 0)
        let coordinator = try Certificate(pem: try SecureFile.readText(root + "/coordinator/tls-certificate.pem"))
        let names = try coordinator.subjectAlternativeNames()
        for expected in ["DNS:localhost", "IP Address:127.0.0.1", "DNS:apiary.example.org", "IP Address:10.1.2.3", "IP Address:0:0:0:0:0:0:0:1"] {
            #expect(names.contains(expected), "SAN \(expected) in \(names)")
        }
        let caCertificate = try Certificate(pem: try SecureFile.readText(ca))
        #expect(coordinator.isSigned(by: caCertificate))
        #expect(!caCertificate.isSigned(by: coordinator))
        let caText = try runOpenSSL(["x509", "-in", ca, "-noout", "-text"])
        #expect(caText.output.contains("CA:TRUE"))
        let leafText = try runOpenSSL(["x509", "-in", root + "/institutions/beta/tls-certificate.pem", "-noout", "-text"])
        #expect(leafText.output.contains("CA:FALSE") && leafText.output.contains("TLS Web Client Authentication"))
        // The CA loads back from its folder (add-institution needs it).
        let loaded = try CertificateAuthority(certificatePEM: try SecureFile.readText(ca), privateKeyPEM: try SecureFile.readText(root + "/ca/ca-private-key.pem"))
        #expect(loaded.consortium == "Hospitals of Testland")
    }

    @Test("the kits' key shares, public key files and genesis description fit together and decrypt")
    func keysAndGenesis() throws {
        defer { cleanUp() }
        let genesis = try GenesisDescription.decode(try SecureFile.read(root + "/coordinator/genesis.json"))
        #expect(genesis == summary.genesis)
        #expect(genesis.threshold == 3)
        #expect(genesis.committee.map(\.name) == ["alpha", "beta", "gamma", "delta", "epsilon"])
        #expect(genesis.members.map(\.role) == [.coordinator] + Array(repeating: .agent, count: 5) + [.researcher])
        #expect(genesis.privacyPolicy == .defaults)
        let paillierBytes = try SecureFile.read(root + "/coordinator/paillier-public-key.bin")
        let verificationBytes = try SecureFile.read(root + "/coordinator/verification-keys.bin")
        #expect(genesis.paillier.publicKeySHA256 == SHA256.hash(paillierBytes).hexString)
        #expect(genesis.verificationKeysSHA256 == SHA256.hash(verificationBytes).hexString)
        let key = try ThresholdKeyCodec.loadPublicKey(kitDirectory: root + "/institutions/alpha")
        #expect(key == (try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: paillierBytes, verificationKeys: verificationBytes)))
        for member in genesis.members {
            let folder = member.role == .coordinator ? "coordinator" : (member.role == .agent ? "institutions/\(member.name)" : "researchers/\(member.name)")
            let ledger = try Ed25519PublicKey(pem: try SecureFile.readText(root + "/" + folder + "/ledger-public-key.pem"))
            #expect(ledger.rawRepresentation.hexString == member.ledgerPublicKey)
            let privateLedger = try Ed25519PrivateKey(pem: try SecureFile.readText(root + "/" + folder + "/ledger-private-key.pem"))
            #expect(privateLedger.publicKey == ledger)
            #expect(try CertificateIdentity.parse(try SecureFile.read(root + "/" + folder + "/tls-certificate.pem")).fingerprint == member.certificateSHA256)
        }
        let ciphertexts = try [BigUInt(4242), BigUInt(17)].map { try key.paillier.encrypt($0) }
        let context = ThresholdFixture.context()
        let partials = try ["beta", "delta", "epsilon"].map { name in
            let share = try ThresholdKeyCodec.loadShare(from: root + "/institutions/\(name)/key-share.bin", publicKey: key)
            return try share.partiallyDecrypt(ciphertexts, context: context)
        }
        let result = try key.decrypt(partials, of: ciphertexts, context: context)
        #expect(result.plaintexts == [BigUInt(4242), BigUInt(17)])
        #expect(result.partyIds == [2, 4, 5])
        // save(_:to:) creates 0600 files and refuses to overwrite.
        let saved = (root as NSString).deletingLastPathComponent + "/saved-share.bin"
        try ThresholdKeyCodec.save(ThresholdFixture.dealing.shares[0], to: saved)
        #expect(try FileManager.default.attributesOfItem(atPath: saved)[.posixPermissions] as? Int == 0o600)
        #expect(throws: ApiaryError.self) { try ThresholdKeyCodec.save(ThresholdFixture.dealing.shares[0], to: saved) }
        let truncated = (root as NSString).deletingLastPathComponent + "/truncated-share.bin"
        try SecureFile.write(Array(try SecureFile.read(saved).dropLast(3)), to: truncated)
        let error = try #require(throws: ApiaryError.self) { try ThresholdKeyCodec.loadShare(from: truncated, publicKey: key) }
        #expect(error.reason.contains("truncated"))
    }

    @Test("add-institution issues a new kit and changes no existing file; duplicates are refused")
    func addInstitution() throws {
        defer { cleanUp() }
        let parent = try scratchFolder("add")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try FileManager.default.copyItem(atPath: root, toPath: parent + "/consortium")
        let copy = parent + "/consortium"
        func snapshot() throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for entry in try permissions(under: copy) where !entry.isDirectory { files[entry.path] = SHA256.hash(try SecureFile.read(entry.path)) }
            return files
        }
        let before = try snapshot()
        let member = try ConsortiumProvisioner.addInstitution(name: "zeta", caDirectory: copy + "/ca", outputDirectory: parent + "/new")
        #expect(member.role == .agent && member.partyId == nil)
        #expect(try snapshot() == before)
        let kit = parent + "/new/zeta"
        for entry in try permissions(under: kit) { #expect(entry.mode == (entry.isDirectory ? 0o700 : 0o600), "\(entry.path)") }
        let verified = try runOpenSSL(["verify", "-CAfile", copy + "/ca/ca-certificate.pem", "-purpose", "sslclient", kit + "/tls-certificate.pem"])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(try CertificateIdentity.parse(try SecureFile.read(kit + "/tls-certificate.pem")).name == "zeta")
        #expect(!FileManager.default.fileExists(atPath: kit + "/key-share.bin"))
        #expect(try SecureFile.readText(kit + "/README.md").contains("Not yet in the decryption committee"))
        let request = try JSONDecoder().decode(GenesisDescription.Member.self, from: Data(try SecureFile.read(kit + "/membership-request.json")))
        #expect(request == member)
        // Existing members, the coordinator's name, a second zeta and bad names are refused; nothing is written.
        for name in ["alpha", "Coordinator", "zeta", "a/b", ""] {
            #expect(throws: ApiaryError.self, "\(name)") {
                try ConsortiumProvisioner.addInstitution(name: name, caDirectory: copy + "/ca", outputDirectory: parent + "/new")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent + "/new") == ["zeta"])
        #expect(try snapshot() == before)
    }

    @Test("bad input is refused with a clear error and writes nothing")
    func badInputWritesNothing() throws {
        defer { cleanUp() }
        let parent = try scratchFolder("bad")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        func request(institutions: [String] = ["a", "b", "c"], researchers: [String] = [], threshold: Int = 2, hosts: [String] = []) throws -> ProvisioningRequest {
            try ProvisioningRequest(consortium: "C", institutions: institutions, researchers: researchers, threshold: threshold, coordinatorHosts: hosts, keyBits: 512)
        }
        let cases: [(String, () throws -> ProvisioningRequest, String)] = [
            ("t > l", { try request(threshold: 4) }, "exceeds the number of parties"),
            ("t < 1", { try request(threshold: 0) }, "at least 1"),
            ("path separator", { try request(institutions: ["a", "../b", "c"]) }, "path separator"),
            ("backslash", { try request(institutions: ["a", "b\\c"]) }, "path separator"),
            ("control character", { try request(institutions: ["a", "b\u{7}", "c"]) }, "control characters"),
            ("newline", { try request(institutions: ["a\nb", "c"]) }, "control characters"),
            ("empty", { try request(institutions: ["a", "", "c"]) }, "empty institution name"),
            ("duplicate", { try request(institutions: ["a", "b", "A"]) }, "appears twice"),
            ("researcher clash", { try request(researchers: ["b"]) }, "appears twice"),
            ("reserved", { try request(institutions: ["a", "coordinator"], threshold: 1) }, "reserved"),
            ("dot", { try request(institutions: ["a", "."]) }, "must not start"),
            ("bad host", { try request(hosts: ["bad host!"]) }, "neither an IP address nor a valid DNS name"),
        ]
        for (label, make, message) in cases {
            let error = try #require(throws: ApiaryError.self, "\(label)") { try make() }
            #expect(error.reason.contains(message), "\(label): \(error.reason)")
        }
        // An --out folder that already holds a consortium (or anything) is refused before keygen.
        let occupied = parent + "/occupied"
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: occupied + "/README.md"))
        let good = try request()
        let error = try #require(throws: ApiaryError.self) {
            try ConsortiumProvisioner.provision(good, outputDirectory: occupied)
        }
        #expect(error.reason.contains("already holds files"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied) == ["README.md"])
        #expect(throws: ApiaryError.self) { try ConsortiumProvisioner.provision(good, outputDirectory: parent + "/missing/deeper") }
        // A dealing that does not fit the request is refused; no temporary folder is left behind.
        let mismatched = try request(institutions: ["a", "b", "c", "d", "e", "f"], threshold: 2)
        #expect(throws: (any Error).self) {
            try ConsortiumProvisioner.provision(mismatched, dealing: ThresholdFixture.dealing, destination: parent + "/partial", progress: { _ in })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["occupied"])
    }
}
