import Foundation
import Shared

/// `apiary-coordinator schema infer FILE.csv [--target COL]`: prints a draft schema. A thin
/// parser over `SchemaInference` (Shared).
public enum SchemaCommand {
    /// Usage text.
    public static let usage = """
        usage: apiary-coordinator schema infer FILE.csv [--target COL] [--positive CATEGORY] [--bins K]
                                               [--width-bins W] [--drop COL]...
               apiary-coordinator schema check SCHEMA.json

        infer   prints a draft schema (JSON) drafted from FILE.csv: column types, categories,
                bounds rounded outward and about K quantile bin edges (default 16). It reads the
                data it is given: run it on a public or dummy sample, not on private data, and
                review the draft (widen bounds to known ranges) before the consortium adopts it.
                A text column with more than 50 distinct values, over half its rows (an
                identifier, free text, a date as text), is refused: the schema would publish its
                values. Leave such columns out with --drop.
        check   validates a schema file and prints a one-line summary.

        options:
          --target COL          the column a classifier predicts in quality reports (categorical)
          --positive CATEGORY   the target's positive category (default: its last category)
          --bins K              target number of bins per numeric column (2...200)
          --width-bins W        no bin spans more than 1/W of the column's range (1 = no limit;
                                default 10)
          --drop COL            leave the column out of the schema (repeatable); agents ignore
                                CSV columns the schema does not name
          -h, --help            this text
        """

    /// Runs the command on the arguments after `schema`; returns what to print.
    public static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) || arguments.isEmpty { return usage }
        let subcommand = arguments[0]
        let options = try CommandLineOptions(Array(arguments.dropFirst()), valued: ["target", "bins", "width-bins", "positive", "drop"], flags: [])
        switch subcommand {
        case "infer":
            guard options.positional.count == 1 else {
                throw ApiaryError(.invalidArgument, "schema infer takes exactly one CSV file; see --help")
            }
            var inference = SchemaInference()
            inference.binCount = try options.int("bins", default: 16, in: 2...200)!
            inference.widthBins = try options.int("width-bins", default: 10, in: 1...200)!
            inference.dropped = Set(options.strings("drop"))
            var schema = try inference.infer(path: options.positional[0], target: options.string("target"))
            if let positive = options.string("positive") {
                schema.positiveCategory = positive
                try schema.validate()
            }
            return String(decoding: try schema.jsonData(), as: UTF8.self)
        case "check":
            guard options.positional.count == 1, options.values.isEmpty else {
                throw ApiaryError(.invalidArgument, "schema check takes exactly one schema file; see --help")
            }
            let schema = try TableSchema.load(path: options.positional[0])
            let numeric = schema.columns.filter { $0.kind.isNumeric }.count
            return "\(options.positional[0]): valid, \(schema.columns.count) columns (\(numeric) numeric), target \(schema.target ?? "none")"
        default:
            throw ApiaryError(.invalidArgument, "unknown schema subcommand '\(subcommand)'; expected infer or check (see --help)")
        }
    }
}
