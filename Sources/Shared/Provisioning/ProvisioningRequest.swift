/// What a key ceremony should create, validated before anything is generated or written.
public struct ProvisioningRequest: Sendable, Equatable {
    /// The consortium's name (every certificate's O).
    public let consortium: String
    /// Institution names, in party-id order (the first is party 1).
    public let institutions: [String]
    /// Researcher names.
    public let researchers: [String]
    /// t: valid partial decryptions needed to decrypt (1...institutions.count).
    public let threshold: Int
    /// Extra host names and IP addresses of the coordinator (localhost and 127.0.0.1 are
    /// always included).
    public let coordinatorHosts: [String]
    /// |n| of the Paillier key.
    public let keyBits: Int

    /// The coordinator's certificate CN and member name; reserved for it.
    public static let coordinatorName = "coordinator"

    /// Checks every field and throws the first problem found, with what to do about it.
    public init(consortium: String, institutions: [String], researchers: [String] = [], threshold: Int,
                coordinatorHosts: [String] = [], keyBits: Int = PaillierParameters.defaultModulusBits) throws {
        try CertificateAuthority.checkSubjectText(consortium, "consortium name")
        guard !institutions.isEmpty else { throw ApiaryError(.invalidArgument, "at least one institution is needed (--institutions a,b,c)") }
        var seen = Set<String>([Self.coordinatorName])
        for (kind, names) in [("institution", institutions), ("researcher", researchers)] {
            for name in names {
                try Self.checkMemberName(name, kind)
                guard seen.insert(name.lowercased()).inserted else {
                    let why = name.lowercased() == Self.coordinatorName ? "is reserved for the coordinator" : "appears twice (names are compared ignoring case)"
                    throw ApiaryError(.invalidArgument, "\(kind) name '\(name)' \(why)")
                }
            }
        }
        try ThresholdPublicKey.validate(partyCount: institutions.count, threshold: threshold)
        try PaillierParameters.validate(modulusBits: keyBits)
        for host in coordinatorHosts { _ = try CertificateAuthority.subjectAlternativeName(for: host) }
        self.consortium = consortium
        self.institutions = institutions
        self.researchers = researchers
        self.threshold = threshold
        self.coordinatorHosts = coordinatorHosts
        self.keyBits = keyBits
    }

    /// A member name doubles as a folder name and a certificate CN: 1 to 64 characters, no path
    /// separators, no control characters, not "." or "..", not starting with "." or "-", and
    /// none of the characters reserved in distinguished names.
    public static func checkMemberName(_ name: String, _ kind: String) throws {
        guard !name.isEmpty else { throw ApiaryError(.invalidArgument, "an empty \(kind) name was given (check for a stray comma)") }
        guard !name.contains("/"), !name.contains("\\") else {
            throw ApiaryError(.invalidArgument, "\(kind) name '\(name)' contains a path separator; names become folder names")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw ApiaryError(.invalidArgument, "\(kind) name contains control characters: \(name.debugDescription)")
        }
        guard name != ".", name != "..", !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw ApiaryError(.invalidArgument, "\(kind) name '\(name)' must not start with '.' or '-'")
        }
        try CertificateAuthority.checkSubjectText(name, "\(kind) name")
    }
}
