/// File and folder names of the kits `ConsortiumProvisioner` writes (docs/threshold.md, "Kits").
public enum KitLayout {
    /// Folder of the consortium CA (operator only, kept offline).
    public static let caFolder = "ca"
    /// Folder of the coordinator's kit.
    public static let coordinatorFolder = "coordinator"
    /// Folder holding one kit per institution.
    public static let institutionsFolder = "institutions"
    /// Folder holding one kit per researcher.
    public static let researchersFolder = "researchers"

    /// The CA's certificate (PEM), in every kit.
    public static let caCertificate = "ca-certificate.pem"
    /// The CA's private key (PEM, PKCS#8), in the CA folder only.
    public static let caPrivateKey = "ca-private-key.pem"
    /// The party's TLS certificate (PEM).
    public static let tlsCertificate = "tls-certificate.pem"
    /// The party's TLS private key (PEM, PKCS#8, P-256).
    public static let tlsPrivateKey = "tls-private-key.pem"
    /// The party's Ed25519 ledger signing key (PEM, PKCS#8).
    public static let ledgerPrivateKey = "ledger-private-key.pem"
    /// The party's Ed25519 ledger public key (PEM).
    public static let ledgerPublicKey = "ledger-public-key.pem"
    /// The institution's threshold key share (`ThresholdKeyCodec`, "APKS").
    public static let keyShare = "key-share.bin"
    /// The joint Paillier public key (`PaillierKeyCodec`, "APPK").
    public static let paillierPublicKey = "paillier-public-key.bin"
    /// The threshold verification keys (`ThresholdKeyCodec`, "APVK").
    public static let verificationKeys = "verification-keys.bin"
    /// The genesis description (JSON, `GenesisDescription`).
    public static let genesis = "genesis.json"
    /// What a kit is and who must hold it.
    public static let readme = "README.md"
    /// A new member's description for the ledger's membership-change entry (add-institution).
    public static let membershipRequest = "membership-request.json"
}
