import Foundation
import Shared

/// `apiary-coordinator simulate ...`: the federated pipeline in one process. A thin parser
/// over `FederatedSimulation` (Shared), which holds all the logic and is tested there.
public enum SimulateCommand {
    /// Usage text.
    public static let usage = """
        usage: apiary-coordinator simulate --schema S.json --institution NAME=FILE.csv [--institution ...]
                                           --epsilon E --delta D --out DIR [options]

        Runs the whole federated pipeline in one process with real cryptography: each institution
        checks its CSV against the schema, computes its contribution, adds its Skellam noise share,
        packs and encrypts it; the sum is computed homomorphically, decrypted and decoded; the
        generator fits a model and samples. Writes DIR/synthetic.csv, DIR/datasheet.json and
        DIR/datasheet.md. Progress goes to standard error. Exit status 0 on success, 1 on an
        error, 3 when the candidate missed --quality-gate (the files are still written, for
        inspection; a coordinator with the same gate would not publish them).

        options:
          --schema FILE            the agreed table schema (JSON, see docs/synthesis.md)
          --institution NAME=FILE  an institution and its CSV file (repeat for each)
          --epsilon E              total privacy budget (a positive number, or inf for no noise)
          --delta D                delta, 0 < D < 1
          --generator mst|copula   generator (default mst)
          --rows N                 synthetic rows (default: the noisy estimate of the real count)
          --key-bits 1024|2048|3072  Paillier modulus size (default 2048; 1024 for trials only)
          --seed S                 seed the noise and sampling (reproducible experiments only)
          --holdout FILE           real holdout CSV, split across institutions, to score quality
                                   securely (10% of the budget goes to the scores)
          --quality-gate FILE      thresholds the scores must reach (JSON, as the coordinator's
                                   qualityGate: minimumColumnShapes, minimumPairTrends,
                                   minimumAUC); needs --holdout; exit status 3 if missed
          --quorum T               noise sized for T contributors (default: all institutions)
          --threshold T            T institutions decrypt each aggregate with threshold key
                                   shares (default: a majority; 0: one full key)
          --bad-rows reject|skip   policy for rows that do not fit the schema, in the institutions' files
                                   and the holdout (default reject)
          --out DIR                output folder
          -h, --help               this text

        example:
          apiary-coordinator simulate --schema Deploy/sample-data/credit/schema.json \\
            --institution a=Deploy/sample-data/credit/institution-a.csv \\
            --institution b=Deploy/sample-data/credit/institution-b.csv \\
            --institution c=Deploy/sample-data/credit/institution-c.csv \\
            --epsilon 1 --delta 1e-6 --key-bits 1024 --out /tmp/credit-synthetic
        """

    /// Parses the arguments after `simulate` into a configuration.
    public static func configuration(_ arguments: [String]) throws -> SimulationConfiguration {
        let options = try CommandLineOptions(arguments, valued: [
            "schema", "institution", "epsilon", "delta", "generator", "rows", "key-bits", "seed", "holdout", "quorum",
            "threshold", "bad-rows", "out", "quality-gate",
        ], flags: [])
        for name in ["schema", "epsilon", "delta", "generator", "rows", "key-bits", "seed", "holdout", "quorum", "threshold", "bad-rows", "out",
                     "quality-gate"]
        where options.strings(name).count > 1 {
            throw ApiaryError(.invalidArgument, "option --\(name) given more than once")
        }
        guard options.positional.isEmpty else {
            throw ApiaryError(.invalidArgument, "unexpected argument '\(options.positional[0])'; see --help")
        }
        let schema = try TableSchema.load(path: try options.required("schema"))
        let institutions = try options.strings("institution").map { text -> SimulationConfiguration.Institution in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex, text.index(after: eq) != text.endIndex else {
                throw ApiaryError(.invalidArgument, "--institution must be NAME=FILE.csv, got '\(text)'")
            }
            return .init(name: String(text[..<eq]), path: String(text[text.index(after: eq)...]))
        }
        guard !institutions.isEmpty else { throw ApiaryError(.invalidArgument, "give at least one --institution NAME=FILE.csv") }
        let epsilonText = try options.required("epsilon")
        let epsilon: Double
        if ["inf", "infinity"].contains(epsilonText.lowercased()) {
            epsilon = .infinity
        } else {
            guard let value = Double(epsilonText), value.isFinite, value > 0 else {
                throw ApiaryError(.invalidArgument, "option --epsilon must be a positive number or inf, got '\(epsilonText)'")
            }
            epsilon = value
        }
        guard let delta = try options.double("delta") else { throw ApiaryError(.invalidArgument, "missing required option --delta") }
        guard delta > 0, delta < 1 else {
            throw ApiaryError(.invalidArgument, "option --delta must lie in (0, 1), got \(options.string("delta") ?? "")")
        }
        let generatorName = options.string("generator") ?? "mst"
        guard let generator = GeneratorKind(rawValue: generatorName) else {
            throw ApiaryError(.invalidArgument, "option --generator must be mst or copula, got '\(generatorName)'")
        }
        let keyBits = try options.int("key-bits", default: 2048)!
        guard [1024, 2048, 3072].contains(keyBits) else {
            throw ApiaryError(.invalidArgument, "option --key-bits must be 1024, 2048 or 3072, got \(keyBits)")
        }
        var seed: UInt64? = nil
        if let text = options.string("seed") {
            guard let value = UInt64(text) else { throw ApiaryError(.invalidArgument, "option --seed must be a non-negative integer, got '\(text)'") }
            seed = value
        }
        let policyText = options.string("bad-rows") ?? "reject"
        guard let policy = BadRowPolicy(rawValue: policyText) else {
            throw ApiaryError(.invalidArgument, "option --bad-rows must be reject or skip, got '\(policyText)'")
        }
        return SimulationConfiguration(
            schema: schema, institutions: institutions, epsilon: epsilon, delta: delta, generator: generator,
            rows: try options.int("rows", in: 1...100_000_000), keyBits: keyBits, seed: seed,
            holdoutPath: options.string("holdout"), outputDirectory: try outputFolder(options),
            quorum: try options.int("quorum", in: 1...institutions.count),
            threshold: try options.int("threshold", in: 0...institutions.count), badRows: policy,
            qualityGate: try options.string("quality-gate").map(loadGate))
    }

    /// The --out folder (not empty text).
    static func outputFolder(_ options: CommandLineOptions) throws -> String {
        let path = try options.required("out")
        guard !path.isEmpty else { throw ApiaryError(.invalidArgument, "option --out needs a folder path, got empty text") }
        return path
    }

    /// Reads a quality gate (JSON object), naming the file in errors.
    static func loadGate(path: String) throws -> QualityGate {
        guard let bytes = try DurableFile.read(path) else { throw ApiaryError(.notFound, "\(path): no such file (--quality-gate)") }
        if (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil, let repeated = JSONDuplicateKeys.first(in: bytes) {
            throw ApiaryError(.invalidArgument, "\(path): field '\(repeated.key)' appears twice (line \(repeated.line)); keep one")
        }
        do {
            return try JSONDecoder().decode(QualityGate.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw ApiaryError(.invalidArgument, "\(path): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw ApiaryError(.invalidArgument, "\(path): not a JSON object (minimumColumnShapes, minimumPairTrends and/or minimumAUC)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ApiaryError(.invalidArgument, "\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")) must be a number in [0, 1]")
        } catch {
            throw ApiaryError(.invalidArgument, "\(path): not a quality gate (a JSON object with minimumColumnShapes, minimumPairTrends and/or minimumAUC)")
        }
    }

    /// Runs the command; returns what to print on standard output (a summary, or the usage) and
    /// the exit status (3: the candidate missed the quality gate).
    public static func run(_ arguments: [String], progress: (String) -> Void = SimulateCommand.stderr) throws -> (output: String, status: Int32) {
        if CommandLineOptions.wantsHelp(arguments) || arguments.isEmpty { return (usage, 0) }
        let simulation = FederatedSimulation(configuration: try configuration(arguments))
        let result = try simulation.run(progress: progress)
        let timings = result.timings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2f", $0.value)) s" }
        let epsilon = result.datasheet.privacy.epsilon
        var lines = ["synthetic rows: \(result.datasheet.rows)",
                     "epsilon: \(epsilon.isFinite ? String(format: "%.4f", epsilon) : "infinity") at delta \(result.datasheet.privacy.delta)",
                     "output: \(simulation.configuration.outputDirectory)/synthetic.csv, datasheet.json, datasheet.md",
                     "timings: \(timings.joined(separator: ", "))"]
        guard let failures = result.gateFailures else { return (lines.joined(separator: "\n"), 0) }
        lines.append(failures.isEmpty ? "quality gate: passed" : "quality gate: missed: \(failures.joined(separator: "; "))")
        return (lines.joined(separator: "\n"), failures.isEmpty ? 0 : 3)
    }

    /// Writes a progress line to standard error.
    public static func stderr(_ line: String) {
        FileHandle.standardError.write(Data("simulate: \(line)\n".utf8))
    }
}
