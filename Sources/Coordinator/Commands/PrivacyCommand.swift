import Foundation
import Shared

/// `apiary-coordinator privacy ...`: the accountant from the command line. A thin parser over
/// `PrivacyAccountant` and `NoiseCalibration` (tested in SharedTests); all the privacy
/// arithmetic lives in Shared so the coordinator, the agents and this command agree.
public enum PrivacyCommand {
    /// Usage text listing every subcommand and option.
    public static let usage = """
        usage: apiary-coordinator privacy <subcommand> [options]

        subcommands:
          epsilon   epsilon of T rounds of a mechanism at a given delta
          noise     least noise reaching a target epsilon at a given delta

        options:
          --mechanism gaussian|skellam   mechanism (default gaussian: Poisson-subsampled Gaussian)
          --sampling-rate Q              gaussian: per-round sampling rate, 0 < Q <= 1
          --noise-multiplier Z           gaussian, epsilon only: noise stddev / L2 clip norm
          --mu MU                        skellam, epsilon only: total per-coordinate Poisson mean
          --l1 L1                        skellam: L1 sensitivity of one record
          --l2 L2                        skellam: L2 sensitivity of one record
          --steps T                      number of rounds (compositions), T >= 1
          --delta D                      target delta, 0 < D < 1
          --epsilon E                    noise only: target epsilon
          --json                         print one JSON object instead of text
          -h, --help                     this text

        Epsilon uses Renyi DP over dp-accounting's default orders (1.1 to 10.9 by 0.1, 11 to 63,
        128, 256, 512, 1024) and the improved RDP-to-(epsilon, delta) conversion. `noise` prints
        the noise multiplier (gaussian, JSON key noise_multiplier) or the total mu (skellam, JSON key mu).

        examples:
          apiary-coordinator privacy epsilon --sampling-rate 0.01 --noise-multiplier 1.1 --steps 1000 --delta 1e-5
          apiary-coordinator privacy noise --epsilon 1 --delta 1e-5 --sampling-rate 0.1 --steps 100 --json
          apiary-coordinator privacy epsilon --mechanism skellam --mu 500000 --l1 131072 --l2 512 --steps 1 --delta 1e-5
        """

    private static let valueOptions: Set<String> = [
        "--mechanism", "--sampling-rate", "--noise-multiplier", "--mu", "--l1", "--l2", "--steps", "--delta", "--epsilon",
    ]

    /// Runs the command on the arguments after `privacy` and returns what to print.
    /// - Throws: `ApiaryError(.invalidArgument)` naming an unknown, repeated, misplaced or
    ///   value-less option, or a bad value; errors from the accountant otherwise.
    public static func run(_ arguments: [String]) throws -> String {
        guard let subcommand = arguments.first else { return usage }
        if subcommand == "--help" || subcommand == "-h" { return usage }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") { return usage }
        guard subcommand == "epsilon" || subcommand == "noise" else {
            throw ApiaryError(.invalidArgument, "unknown privacy subcommand '\(subcommand)'; expected 'epsilon' or 'noise' (see --help)")
        }
        var options = Options(try parse(rest))
        let mechanism = options.take("--mechanism") ?? "gaussian"
        let json = options.flags.contains("--json")
        let output: [String: Any]
        switch (subcommand, mechanism) {
        case ("epsilon", "gaussian"):
            let q = try options.double("--sampling-rate"), z = try options.double("--noise-multiplier")
            let steps = try options.integer("--steps"), delta = try options.double("--delta")
            try options.rejectRemaining(subcommand, mechanism)
            let (epsilon, order) = try PrivacyAccountant.subsampledGaussianEpsilon(
                samplingRate: q, noiseMultiplier: z, steps: steps, delta: delta)
            output = ["mechanism": mechanism, "epsilon": epsilon, "order": order, "sampling_rate": q,
                      "noise_multiplier": z, "steps": steps, "delta": delta]
        case ("epsilon", "skellam"):
            let mu = try options.double("--mu"), l1 = try options.double("--l1"), l2 = try options.double("--l2")
            let steps = try options.integer("--steps"), delta = try options.double("--delta")
            try options.rejectRemaining(subcommand, mechanism)
            let (epsilon, order) = try PrivacyAccountant.skellamEpsilon(mu: mu, l1: l1, l2: l2, steps: steps, delta: delta)
            output = ["mechanism": mechanism, "epsilon": epsilon, "order": order, "mu": mu, "l1": l1, "l2": l2,
                      "steps": steps, "delta": delta]
        case ("noise", "gaussian"):
            let target = try options.double("--epsilon"), delta = try options.double("--delta")
            let q = try options.double("--sampling-rate"), steps = try options.integer("--steps")
            try options.rejectRemaining(subcommand, mechanism)
            let z = try NoiseCalibration.noiseMultiplier(targetEpsilon: target, delta: delta, samplingRate: q, steps: steps)
            let (epsilon, order) = try PrivacyAccountant.subsampledGaussianEpsilon(
                samplingRate: q, noiseMultiplier: z, steps: steps, delta: delta)
            output = ["mechanism": mechanism, "noise_multiplier": z, "epsilon": epsilon, "order": order,
                      "target_epsilon": target, "sampling_rate": q, "steps": steps, "delta": delta]
        case ("noise", "skellam"):
            let target = try options.double("--epsilon"), delta = try options.double("--delta")
            let l1 = try options.double("--l1"), l2 = try options.double("--l2"), steps = try options.integer("--steps")
            try options.rejectRemaining(subcommand, mechanism)
            let mu = try NoiseCalibration.skellamMu(targetEpsilon: target, delta: delta, l1: l1, l2: l2, steps: steps)
            let (epsilon, order) = try PrivacyAccountant.skellamEpsilon(mu: mu, l1: l1, l2: l2, steps: steps, delta: delta)
            output = ["mechanism": mechanism, "mu": mu, "epsilon": epsilon, "order": order,
                      "target_epsilon": target, "l1": l1, "l2": l2, "steps": steps, "delta": delta]
        default:
            throw ApiaryError(.invalidArgument, "--mechanism must be 'gaussian' or 'skellam', got '\(mechanism)'")
        }
        return json ? try jsonLine(output) : text(subcommand, output)
    }

    /// Splits arguments into option values and flags, refusing unknown, repeated or value-less options.
    private static func parse(_ arguments: [String]) throws -> (values: [String: String], flags: Set<String>) {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--json" {
                flags.insert(argument)
                index += 1
                continue
            }
            guard valueOptions.contains(argument) else {
                throw ApiaryError(.invalidArgument, "unknown option '\(argument)' for privacy (see --help)")
            }
            guard index + 1 < arguments.count, !valueOptions.contains(arguments[index + 1]), arguments[index + 1] != "--json" else {
                throw ApiaryError(.invalidArgument, "option \(argument) needs a value")
            }
            guard values[argument] == nil else {
                throw ApiaryError(.invalidArgument, "option \(argument) is given more than once")
            }
            values[argument] = arguments[index + 1]
            index += 2
        }
        return (values, flags)
    }

    /// Parsed options, consumed as each subcommand reads them so leftovers can be refused.
    private struct Options {
        var values: [String: String]
        let flags: Set<String>

        init(_ parsed: (values: [String: String], flags: Set<String>)) {
            values = parsed.values
            flags = parsed.flags
        }

        mutating func take(_ name: String) -> String? { values.removeValue(forKey: name) }

        mutating func double(_ name: String) throws -> Double {
            guard let text = take(name) else { throw ApiaryError(.invalidArgument, "missing option \(name)") }
            guard let value = Double(text), value.isFinite else {
                throw ApiaryError(.invalidArgument, "option \(name) needs a finite number, got '\(text)'")
            }
            return value
        }

        mutating func integer(_ name: String) throws -> Int {
            guard let text = take(name) else { throw ApiaryError(.invalidArgument, "missing option \(name)") }
            guard let value = Int(text) else {
                throw ApiaryError(.invalidArgument, "option \(name) needs a whole number, got '\(text)'")
            }
            return value
        }

        func rejectRemaining(_ subcommand: String, _ mechanism: String) throws {
            if let extra = values.keys.sorted().first {
                throw ApiaryError(.invalidArgument, "option \(extra) does not apply to 'privacy \(subcommand)' with mechanism \(mechanism)")
            }
        }
    }

    private static func jsonLine(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func text(_ subcommand: String, _ output: [String: Any]) -> String {
        func number(_ key: String) -> String {
            switch output[key] {
            case let value as Double: return String(format: "%.6g", value)
            case let value as Int: return "\(value)"
            default: return "-"
            }
        }
        let mechanism = output["mechanism"] as? String ?? "gaussian"
        let parameters = mechanism == "gaussian"
            ? "sampling rate \(number("sampling_rate")), steps \(number("steps")), delta \(number("delta"))"
            : "l1 \(number("l1")), l2 \(number("l2")), steps \(number("steps")), delta \(number("delta"))"
        let achieved = String(format: "%.4f", output["epsilon"] as? Double ?? .nan)
        if subcommand == "epsilon" {
            let noise = mechanism == "gaussian" ? "noise multiplier \(number("noise_multiplier"))" : "mu \(number("mu"))"
            return "epsilon = \(achieved) (RDP order \(number("order"))) for \(mechanism), \(noise), \(parameters)"
        }
        let noise = mechanism == "gaussian" ? "noise multiplier = \(number("noise_multiplier"))" : "mu = \(number("mu"))"
        return "\(noise) reaches epsilon \(achieved) <= \(number("target_epsilon")) (RDP order \(number("order"))) for \(mechanism), \(parameters)"
    }
}
