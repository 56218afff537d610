import Foundation
import Shared

/// `apiary-coordinator provision`: the key ceremony, and `provision add-institution`. A thin
/// parser over `ConsortiumProvisioner` (in Shared, where its tests live).
public enum ProvisionCommand {
    /// The `--help` text.
    public static let usage = """
    Usage: apiary-coordinator provision --consortium NAME --institutions a,b,c --threshold T --out DIR
                                        [--coordinator-host HOST]... [--researchers r1,r2] [--key-bits 2048]
           apiary-coordinator provision add-institution NAME --ca DIR --out DIR

    The key ceremony, run once on an offline machine by a dealer trusted this one time. Creates in
    DIR: a consortium CA (ca/, keep offline), the coordinator's kit (TLS server certificate for each
    --coordinator-host plus localhost and 127.0.0.1, ledger key, joint Paillier public key,
    verification keys, genesis description), one kit per institution (TLS client certificate with
    role agent, ledger key, threshold key share), and researcher credentials (role researcher).
    Files are 0600, folders 0700, and each kit has a README saying who must hold it. Hand each
    folder to its holder, then destroy the dealer's copy. The dealer's secrets (p, q, d) are never
    written. DIR must not exist or be empty; on any error nothing is written.

    add-institution issues a certificate and ledger key for a new institution with the CA in
    --ca DIR, into --out DIR/NAME, changing no existing kit. It joins the decryption committee only
    at an explicit re-deal of the threshold key, recorded on the ledger.

    Options:
      --consortium NAME        consortium name (the O of every certificate)
      --institutions a,b,c     institution names, comma-separated; the first is party 1
      --threshold T            institutions needed to decrypt (1 <= T <= number of institutions)
      --out DIR                output folder
      --coordinator-host HOST  DNS name or IP address of the coordinator (repeatable)
      --researchers r1,r2      researcher names, comma-separated
      --key-bits N             Paillier modulus size: 2048 (default), 3072, 4096
      --insecure-test-key      allow the test sizes 512 and 1024 bits, for tests and trials;
                               never for a consortium's real data
      --ca DIR                 (add-institution) the ca/ folder of the ceremony
    """

    /// Runs the command; progress lines go to `progress` (stderr in the executable).
    public static func run(_ arguments: [String], progress: (String) -> Void = ProvisionCommand.standardError) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        if arguments.first == "add-institution" { return try addInstitution(Array(arguments.dropFirst()), progress: progress) }
        let options = try CommandLineOptions(arguments, valued: ["consortium", "institutions", "threshold", "out", "coordinator-host", "researchers", "key-bits"], flags: ["insecure-test-key"])
        guard options.positional.isEmpty else {
            throw ApiaryError(.invalidArgument, "unexpected argument '\(options.positional[0])'; see --help")
        }
        guard let threshold = try options.int("threshold") else {
            throw ApiaryError(.invalidArgument, "missing required option --threshold")
        }
        let keyBits = try options.int("key-bits", default: PaillierParameters.defaultModulusBits)!
        if !PaillierParameters.productionModulusBits.contains(keyBits) {
            let production = PaillierParameters.productionModulusBits.sorted().map(String.init).joined(separator: ", ")
            let test = PaillierParameters.testModulusBits.sorted().map(String.init).joined(separator: " or ")
            guard PaillierParameters.testModulusBits.contains(keyBits) else {
                throw ApiaryError(.invalidArgument, "--key-bits \(keyBits): a consortium key has \(production) bits (\(test) with --insecure-test-key, for tests only)")
            }
            guard options.has("insecure-test-key") else {
                throw ApiaryError(.invalidArgument, "--key-bits \(keyBits) is a test size: a consortium key has \(production) bits; add --insecure-test-key to provision a test consortium")
            }
            progress("warning: a \(keyBits)-bit Paillier key is for tests only; it does not protect real data")
        }
        let request = try ProvisioningRequest(
            consortium: try options.required("consortium"),
            institutions: list(try options.required("institutions")),
            researchers: options.string("researchers").map(list) ?? [],
            threshold: threshold,
            coordinatorHosts: options.strings("coordinator-host"),
            keyBits: keyBits)
        let summary = try ConsortiumProvisioner.provision(request, outputDirectory: try options.required("out"), progress: progress)
        let genesis = summary.genesis
        return """
        consortium "\(genesis.consortium)" provisioned in \(summary.directory)
          threshold \(genesis.threshold) of \(genesis.committee.count) institutions, \(genesis.paillier.modulusBits)-bit Paillier key
          Paillier public key SHA-256   \(genesis.paillier.publicKeySHA256)
          verification keys SHA-256     \(genesis.verificationKeysSHA256)
          CA certificate SHA-256        \(genesis.caCertificateSHA256)
        Hand each kit to its holder (see README.md in each folder) and destroy the dealer's copy.
        """
    }

    static func addInstitution(_ arguments: [String], progress: (String) -> Void) throws -> String {
        let options = try CommandLineOptions(arguments, valued: ["ca", "out"], flags: [])
        guard options.positional.count == 1, let name = options.positional.first else {
            throw ApiaryError(.invalidArgument, "add-institution takes exactly one institution name; see --help")
        }
        let member = try ConsortiumProvisioner.addInstitution(name: name, caDirectory: try options.required("ca"),
                                                              outputDirectory: try options.required("out"), progress: progress)
        return """
        institution "\(member.name)" issued (role agent, not in the decryption committee until a re-deal)
          certificate SHA-256   \(member.certificateSHA256)
          ledger public key     \(member.ledgerPublicKey)
        """
    }

    /// Splits a comma-separated list, keeping empty items so that "a,,b" is refused as an empty name.
    static func list(_ text: String) -> [String] { text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }

    /// Writes a progress line to standard error.
    public static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
