import Foundation
import Shared

/// `apiary-coordinator dashboard --state DIR [--out FILE]`: renders the operator's dashboard
/// from a coordinator state directory, offline (the running coordinator serves the same page
/// at /dashboard). scripts/dashboard-screenshot.sh turns it into a PNG with headless Chromium.
public enum DashboardCommand {
    public static let usage = """
    Usage: apiary-coordinator dashboard --state DIR [--out FILE]

    Renders the dashboard (rounds, stage timings, contributors, epsilon per round and per
    institution, ledger head and finality, datasets) from the coordinator's state directory as
    one HTML file without JavaScript. The ledger is verified while reading; nothing is changed.

    Options:
      --state DIR   the coordinator's state directory (from its configuration)
      --out FILE    write the page here (default: print it)
      --help        show this help
    """

    public static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        let options = try CommandLineOptions(arguments, valued: ["state", "out"], flags: [])
        let state = try options.required("state")
        let snapshot = try LedgerSnapshot.load(path: state + "/ledger.apl")
        let page = try DashboardPage.collect(consortium: snapshot.state.genesis?.consortiumName ?? "?",
                                             store: try RoundStore(root: state + "/rounds"), ledger: snapshot.ledger,
                                             state: snapshot.state, pending: snapshot.pendingEntries, lastSeen: [:])
        guard let out = options.string("out") else { return page.html() }
        try DurableFile.write(Array(page.html().utf8), to: out, mode: 0o644)
        return "wrote \(out)"
    }
}
