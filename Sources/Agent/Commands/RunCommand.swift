import Dispatch
import Foundation
import Shared

/// `apiary-agent run --config FILE`: the institution's long-running agent.
public enum RunCommand {
    public static let usage = """
    Usage: apiary-agent run --config FILE

    Runs the institution's agent: loads its kit, reads the private table and checks it against
    the consortium's schema before anything else, then polls the coordinator over mutual TLS,
    contributes to rounds within this institution's own privacy budget, and partially decrypts
    aggregates it has recomputed itself. In the quality round it fetches the candidate
    synthetic table, checks it against its hash, and scores it against the configured holdout
    (`holdout` in the configuration). State (budget record, prepared updates) is kept in the
    configured state directory; the agent can be killed at any instant and restarted.
    Stops on SIGINT or SIGTERM.

    Options:
      --config FILE   the agent's JSON configuration (see docs/institution-guide.md)
      --help          show this help
    """

    public static func run(_ arguments: [String]) throws -> Int32 {
        if CommandLineOptions.wantsHelp(arguments) { print(usage); return 0 }
        let options = try CommandLineOptions(arguments, valued: ["config"], flags: [])
        let configuration = try AgentConfiguration.load(path: try options.required("config"))
        let runner = try makeRunner(configuration)
        let stop = StopFlag()
        StopFlag.onTerminationSignals { signal in
            Log.info("agent.stopping", ["agent": runner.name, "signal": String(signal)])
            // Every piece of state is written atomically before it is used, so exiting now loses nothing.
            exit(0)
        }
        Log.info("agent.started", ["agent": runner.name, "coordinator": configuration.coordinator])
        runner.run(stop: { stop.isSet }, wait: configuration.pollSeconds)
        return 0
    }

    /// Builds the runner from a configuration: kit, schema, table, budget, HTTPS client.
    public static func makeRunner(_ configuration: AgentConfiguration) throws -> AgentRunner {
        let kit = try PartyKit(directory: configuration.kit, requireShare: true)
        let identity = try CertificateIdentity.parse(try DurableFile.read(kit.credentials.certificatePath) ?? [])
        let schema = try TableSchema.load(path: configuration.schema)
        let reader = try CSVReader(schema: schema, policy: configuration.badRows == "skip" ? .skip : .reject)
        func logChecked(_ event: String, _ result: CSVReadResult) {
            Log.info(event, ["agent": identity.name, "rows": String(result.table.rowCount), "skipped_rows": String(result.skippedRows)])
            // Locations only: an issue names file, line, column and problem, never a cell.
            for issue in result.issues.prefix(5) { Log.warning("agent.row_skipped", ["agent": identity.name, "where": issue.description]) }
        }
        let read = try reader.read(path: configuration.data)
        // A header without rows would contribute only noise under this institution's name.
        guard read.rowsSeen > 0 else {
            throw ApiaryError(.invalidData, "\(configuration.data) has a header but no data rows; point `data` at the institution's table")
        }
        logChecked("agent.data_checked", read)
        let holdout = try configuration.holdout.map { path -> Table in
            let result = try reader.read(path: path)
            logChecked("agent.holdout_checked", result)
            return result.table
        }
        let store = try AgentStore(root: configuration.state)
        let budget = try PrivacyBudgetLedger(fileURL: store.budgetFile,
                                             budget: try PrivacyBudget(epsilon: configuration.epsilon, delta: configuration.delta))
        let (host, port) = try HTTPSClient.parse(url: configuration.coordinator)
        let client = HTTPSClient(host: host, port: port, tls: try TLSContext(side: .client, credentials: kit.credentials),
                                 timeout: configuration.pollSeconds + 30, retry: RetryPolicy(attempts: 3, baseDelay: 0.5, maxDelay: 5))
        let runner = AgentRunner(name: identity.name, transport: client, ledgerKey: kit.ledgerKey, share: kit.share,
                                 paillier: kit.thresholdKey.paillier, memberKeys: try kit.agentLedgerKeys(), budget: budget, store: store,
                                 computation: GeneratorComputation(table: read.table, minimumQuorum: configuration.minimumQuorum,
                                                                   holdout: holdout, coordinator: client))
        runner.cosigner = try LedgerCosigner(name: identity.name, transport: client, key: kit.ledgerKey, thresholdKey: kit.thresholdKey,
                                             genesis: kit.genesis, store: store, epsilonLimit: configuration.epsilon)
        runner.cosigner?.onCommitmentCosigned = { [weak runner] commitment in runner?.settleBudget(for: commitment) }
        return runner
    }
}
