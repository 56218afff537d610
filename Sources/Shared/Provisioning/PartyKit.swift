import Foundation

/// One party's kit folder loaded for use (see `KitLayout` and docs/threshold.md, "Kits"): TLS
/// credentials, the Ed25519 ledger key, the consortium's genesis description and joint
/// threshold key, and the institution's key share when it holds one. A missing or damaged file
/// is an error naming the file.
public struct PartyKit: Sendable {
    public let directory: String
    public let credentials: TLSCredentials
    public let ledgerKey: Ed25519PrivateKey
    public let genesis: GenesisDescription
    public let thresholdKey: ThresholdPublicKey
    public let share: ThresholdKeyShare?

    /// Loads a kit; `requireShare` for institutions on the decryption committee.
    public init(directory: String, requireShare: Bool = false) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ApiaryError(.notFound, "kit folder \(directory) does not exist; give the folder `apiary-coordinator provision` made for this party")
        }
        func path(_ name: String) -> String { directory + "/" + name }
        func text(_ name: String) throws -> String {
            guard let bytes = try DurableFile.read(path(name)) else {
                throw ApiaryError(.notFound, "kit file \(path(name)) is missing; restore the kit from its holder's backup")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        self.directory = directory
        credentials = TLSCredentials(certificatePath: path(KitLayout.tlsCertificate), privateKeyPath: path(KitLayout.tlsPrivateKey),
                                     caCertificatePath: path(KitLayout.caCertificate))
        do {
            ledgerKey = try Ed25519PrivateKey(pem: try text(KitLayout.ledgerPrivateKey))
        } catch let error as ApiaryError where error.code != .notFound {
            throw ApiaryError(.invalidEncoding, "kit file \(path(KitLayout.ledgerPrivateKey)) is not an Ed25519 private key")
        }
        let genesisText = try text(KitLayout.genesis)
        do {
            genesis = try JSONDecoder().decode(GenesisDescription.self, from: Data(genesisText.utf8))
        } catch {
            throw ApiaryError(.invalidEncoding, "kit file \(path(KitLayout.genesis)) is not a genesis description: \(error)")
        }
        thresholdKey = try ThresholdKeyCodec.loadPublicKey(kitDirectory: directory)
        if FileManager.default.fileExists(atPath: path(KitLayout.keyShare)) {
            share = try ThresholdKeyCodec.loadShare(from: path(KitLayout.keyShare), publicKey: thresholdKey)
        } else if requireShare {
            throw ApiaryError(.notFound, "kit file \(path(KitLayout.keyShare)) is missing: this institution cannot take part in decryption")
        } else {
            share = nil
        }
    }

    /// Only the TLS credentials of a kit (enough for researchers, who hold no consortium keys).
    public static func credentials(directory: String) throws -> TLSCredentials {
        let credentials = TLSCredentials(certificatePath: directory + "/" + KitLayout.tlsCertificate,
                                         privateKeyPath: directory + "/" + KitLayout.tlsPrivateKey,
                                         caCertificatePath: directory + "/" + KitLayout.caCertificate)
        for path in [credentials.certificatePath, credentials.privateKeyPath, credentials.caCertificatePath]
            where !FileManager.default.fileExists(atPath: path) {
            throw ApiaryError(.notFound, "kit file \(path) is missing; give the kit folder `apiary-coordinator provision` made")
        }
        return credentials
    }

    /// Ledger keys of the member agents, by name.
    public func agentLedgerKeys() throws -> [String: Ed25519PublicKey] {
        var keys: [String: Ed25519PublicKey] = [:]
        for member in genesis.members where member.role == .agent {
            guard let raw = [UInt8](hexString: member.ledgerPublicKey) else {
                throw ApiaryError(.invalidEncoding, "genesis: member \(member.name) has a malformed ledger key")
            }
            keys[member.name] = try Ed25519PublicKey(rawRepresentation: raw)
        }
        return keys
    }

    /// Committee seats: institution name to threshold party id.
    public var committeeSeats: [String: Int] {
        Dictionary(uniqueKeysWithValues: genesis.committee.map { ($0.name, $0.partyId) })
    }
}
