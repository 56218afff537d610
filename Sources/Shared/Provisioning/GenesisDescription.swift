import Foundation

/// The consortium's founding facts as written by the key ceremony (`genesis.json`), from which
/// the ledger builds its genesis entry. Format documented in docs/threshold.md, "Genesis".
public struct GenesisDescription: Codable, Sendable, Equatable {
    /// One member of the consortium.
    public struct Member: Codable, Sendable, Equatable {
        /// The member's name (its certificate's CN).
        public let name: String
        /// Its role (its certificate's OU).
        public let role: ParticipantRole
        /// Its Ed25519 ledger public key, 32 bytes in hex.
        public let ledgerPublicKey: String
        /// SHA-256 of its certificate's DER encoding, hex.
        public let certificateSHA256: String
        /// Its threshold party id (1...l) when it holds a key share, else nil.
        public let partyId: Int?
    }

    /// A decryption committee seat: who holds party id `partyId`'s key share.
    public struct CommitteeSeat: Codable, Sendable, Equatable {
        /// The institution's name.
        public let name: String
        /// Its party id (1...l).
        public let partyId: Int
    }

    /// The Paillier key everybody encrypts to.
    public struct PaillierKeyInfo: Codable, Sendable, Equatable {
        /// |n| in bits.
        public let modulusBits: Int
        /// SHA-256 of `paillier-public-key.bin`, hex.
        public let publicKeySHA256: String
    }

    /// Default privacy budget per institution (each agent still enforces its own).
    public struct PrivacyPolicy: Codable, Sendable, Equatable {
        /// Epsilon each institution may spend in total.
        public let epsilonPerInstitution: Double
        /// Delta each institution may spend in total.
        public let deltaPerInstitution: Double

        /// The ceremony's defaults: epsilon 1.0, delta 1e-6 per institution.
        public static let defaults = PrivacyPolicy(epsilonPerInstitution: 1.0, deltaPerInstitution: 1e-6)
    }

    /// Format name, always "apiary-genesis-description".
    public let format: String
    /// Format version (1).
    public let version: Int
    /// The consortium's name (every certificate's O).
    public let consortium: String
    /// When the ceremony ran (ISO 8601, UTC).
    public let createdAt: String
    /// SHA-256 of the CA certificate's DER encoding, hex.
    public let caCertificateSHA256: String
    /// Coordinator, institutions (agents) and researchers.
    public let members: [Member]
    /// t: valid partial decryptions needed to decrypt.
    public let threshold: Int
    /// The decryption committee (l seats).
    public let committee: [CommitteeSeat]
    /// The joint Paillier public key.
    public let paillier: PaillierKeyInfo
    /// SHA-256 of `verification-keys.bin`, hex.
    public let verificationKeysSHA256: String
    /// Default privacy budget.
    public let privacyPolicy: PrivacyPolicy

    /// The format name written in `format`.
    public static let formatName = "apiary-genesis-description"

    /// Canonical JSON: pretty-printed with sorted keys, so the same facts give the same bytes.
    public func jsonData() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }

    /// Parses and checks a genesis description.
    public static func decode(_ bytes: [UInt8]) throws -> GenesisDescription {
        let genesis: GenesisDescription
        do {
            genesis = try JSONDecoder().decode(GenesisDescription.self, from: Data(bytes))
        } catch {
            throw ApiaryError(.invalidEncoding, "genesis.json is not a valid genesis description: \(error)")
        }
        guard genesis.format == formatName, genesis.version == 1 else {
            throw ApiaryError(.unsupported, "genesis.json has format \(genesis.format) version \(genesis.version); this build reads \(formatName) version 1")
        }
        return genesis
    }
}
