import Foundation
import Shared

/// `apiary-coordinator serve --config FILE [--exit-when-finished]`.
public enum ServeCommand {
    public static let usage = """
    Usage: apiary-coordinator serve --config FILE [--exit-when-finished]

    Runs the coordinator: serves the round protocol, the ledger and the datasets over HTTPS with
    mutual TLS 1.3, drives the synthesis run round by round, commits each round to the ledger,
    and publishes the dataset when the generator finishes. All state lives in the configured
    state directory; the process can be killed at any instant and restarted. Stops on SIGINT or
    SIGTERM.

    Options:
      --config FILE           the coordinator's JSON configuration (see docs/operator-guide.md)
      --exit-when-finished    exit once the run is over and every ledger entry is final:
                              status 0 when its dataset is published, 3 when the quality
                              gate (qualityGate) rejected the candidate
      --help                  show this help
    """

    public static func run(_ arguments: [String]) throws -> Int32 {
        if CommandLineOptions.wantsHelp(arguments) { print(usage); return 0 }
        let options = try CommandLineOptions(arguments, valued: ["config"], flags: ["exit-when-finished"])
        let configuration = try CoordinatorConfiguration.load(path: try options.required("config"))
        let coordinator = try CoordinatorServer(configuration: configuration)
        StopFlag.onTerminationSignals { signal in
            Log.info("coordinator.stopping", ["signal": String(signal)])
            coordinator.stop()
            exit(0)
        }
        let port = try coordinator.start()
        Log.info("coordinator.serving", ["listen": configuration.listen, "port": String(port), "state": configuration.state])
        while true {
            Thread.sleep(forTimeInterval: 0.2)
            if options.has("exit-when-finished"), coordinator.isFinished {
                Thread.sleep(forTimeInterval: 0.5)  // let agents read their last answers
                coordinator.stop()
                return coordinator.rejection == nil ? 0 : 3
            }
        }
    }
}
