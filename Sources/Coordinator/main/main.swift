import CoordinatorKit
import Foundation
import Shared

// apiary-coordinator: the consortium operator's program. Logic lives in CoordinatorKit.
let usage = """
Usage: apiary-coordinator <command> [options]

Commands:
  dashboard          render the operator's dashboard from a state directory (HTML)
  demo               a whole local consortium end to end on the bundled sample data
  serve              run the coordinator (rounds, ledger, datasets) over mutual TLS
  provision          the key ceremony: consortium CA, certificates, threshold key shares, kits
  simulate           run the whole federated pipeline in one process on your own CSV files
  schema             draft (infer) or check a table schema
  privacy            epsilon of a mechanism's compositions, or the noise a target epsilon needs
  paillier-selftest  print a throw-away key and sample ciphertexts (development cross-checks)

Run `apiary-coordinator <command> --help` for a command's options.
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command != "--help", command != "-h" else {
    print(usage)
    exit(arguments.isEmpty ? 2 : 0)
}
let rest = Array(arguments.dropFirst())
do {
    switch command {
    case "serve": exit(try ServeCommand.run(rest))
    case "demo": exit(try DemoCommand.run(rest))
    case "dashboard": print(try DashboardCommand.run(rest))
    case "provision": print(try ProvisionCommand.run(rest))
    case "simulate":
        let (output, status) = try SimulateCommand.run(rest)
        print(output)
        exit(status)
    case "schema": print(try SchemaCommand.run(rest))
    case "privacy": print(try PrivacyCommand.run(rest))
    case "paillier-selftest": print(try PaillierSelfTestCommand.run(rest))
    default:
        FileHandle.standardError.write(Data("apiary-coordinator: unknown command '\(command)'\n\n\(usage)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("apiary-coordinator \(command): \(error)\n".utf8))
    exit(1)
}
