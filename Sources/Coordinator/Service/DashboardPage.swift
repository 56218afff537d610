import Foundation
import Shared

/// The operator's dashboard: one HTML page, no JavaScript, plots as inline SVG. Rendered from
/// the state directory (round snapshots, the ledger, datasets), so the same page is served at
/// `/dashboard` and can be rendered offline (`apiary-coordinator dashboard --state DIR`).
/// It shows public facts only: round stages and timings, contributors, epsilon per round and per
/// institution from the ledger, ledger head and finality, datasets, and when each agent last polled.
public struct DashboardPage: Sendable {
    public struct RoundRow: Sendable {
        public let state: RoundState
        public let epsilon: Double?
    }

    public let consortium: String
    public let rounds: [RoundRow]
    public let ledgerSize: Int
    public let ledgerRoot: String
    public let pendingEntries: [Int]
    public let epsilonByInstitution: [String: Double]
    public let datasets: [(id: String, entry: Int, final: Bool, epsilon: Double, bytes: Int)]
    /// Candidates the quality gate rejected: id, ledger entry, final, reasons.
    public let rejections: [(id: String, entry: Int, final: Bool, failures: [String])]
    public let lastSeen: [String: Date]
    public let now: Date

    /// Collects what the page shows from a round store and a ledger snapshot.
    public static func collect(consortium: String, store: RoundStore, ledger: Ledger, state: LedgerState, pending: [Int],
                               lastSeen: [String: Date], now: Date = Date()) throws -> DashboardPage {
        var rows: [RoundRow] = []
        var id: UInt64 = 1
        var epsilonByRound: [UInt64: Double] = [:]
        for entry in ledger.entries {
            if case .roundCommitment(let body) = entry { epsilonByRound[body.roundId] = Double(body.roundEpsilonMicros) / 1e6 }
        }
        while let round = try store.state(round: id) {
            rows.append(RoundRow(state: round, epsilon: epsilonByRound[id]))
            id += 1
        }
        let datasets = state.datasets.keys.sorted().map { key -> (String, Int, Bool, Double, Int) in
            let published = state.datasets[key]!
            return (key, published.entryIndex, !pending.contains(published.entryIndex),
                    Double(published.publication.epsilonMicros) / 1e6, Int(published.publication.csvSize))
        }
        let rejections = state.rejectedDatasets.keys.sorted().map { key in
            let rejected = state.rejectedDatasets[key]!
            return (id: key, entry: rejected.entryIndex, final: !pending.contains(rejected.entryIndex), failures: rejected.rejection.failures)
        }
        return DashboardPage(consortium: consortium, rounds: rows, ledgerSize: ledger.size,
                             ledgerRoot: (try? ledger.tree.root().hexString) ?? "", pendingEntries: pending,
                             epsilonByInstitution: state.cumulativeEpsilonMicros.mapValues { Double($0) / 1e6 },
                             datasets: datasets.map { (id: $0.0, entry: $0.1, final: $0.2, epsilon: $0.3, bytes: $0.4) },
                             rejections: rejections,
                             lastSeen: lastSeen, now: now)
    }

    /// The page.
    public func html() -> String {
        var page = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Apiary: \(escape(consortium))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
        h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:24px 0 8px;border-bottom:1px solid #d6dbe3}
        table{border-collapse:collapse;background:#fff} td,th{border:1px solid #d6dbe3;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#eef1f5} .ok{color:#136c2e} .bad{color:#a0141e} .mute{color:#6b7280} .grid{display:flex;gap:24px;flex-wrap:wrap}
        code{font-size:12px}
        </style></head><body>
        <h1>Apiary consortium &ldquo;\(escape(consortium))&rdquo;</h1>
        <div class="mute">Rendered \(escape(ISO8601DateFormatter().string(from: now))). Public facts only: no key, share or private value appears here.</div>
        """
        page += "<h2>Rounds</h2><table><tr><th>round</th><th>stage</th><th>contributors</th><th>declined</th><th>stage timings (s)</th><th>epsilon</th></tr>"
        for row in rounds.reversed() {
            let state = row.state
            let stageClass = state.stage == .failed ? "bad" : (state.stage == .committed ? "ok" : "")
            page += "<tr><td>\(state.id)</td><td class=\"\(stageClass)\">\(state.stage.rawValue)\(state.failureReason.map { ": " + escape($0) } ?? "")</td>"
            page += "<td>\(escape(state.contributors.joined(separator: ", ")))</td><td>\(escape(state.refusals.keys.sorted().joined(separator: ", ")))</td>"
            page += "<td>\(escape(timings(state)))</td><td>\(row.epsilon.map { String(format: "%.4f", $0) } ?? "&ndash;")</td></tr>"
        }
        page += "</table>"
        page += "<div class=\"grid\"><div><h2>Epsilon over rounds (running sum: an upper bound of the composition)</h2>\(epsilonPlot())</div><div><h2>Round durations (s)</h2>\(durationPlot())</div></div>"
        page += "<h2>Epsilon per institution (ledger, upper bound by composition)</h2><table><tr><th>institution</th><th>epsilon spent</th><th>last poll</th></tr>"
        for name in Set(epsilonByInstitution.keys).union(lastSeen.keys).sorted() {
            let seen = lastSeen[name].map { now.timeIntervalSince($0) }
            let health = seen.map { $0 < 90 ? "<span class=\"ok\">\(Int($0)) s ago</span>" : "<span class=\"bad\">\(Int($0)) s ago</span>" } ?? "<span class=\"mute\">not since start</span>"
            page += "<tr><td>\(escape(name))</td><td>\(String(format: "%.4f", epsilonByInstitution[name] ?? 0))</td><td>\(health)</td></tr>"
        }
        page += "</table>"
        page += "<h2>Ledger</h2><table><tr><th>entries</th><td>\(ledgerSize)</td></tr><tr><th>root</th><td><code>\(ledgerRoot)</code></td></tr>"
        page += "<tr><th>finality</th><td>\(pendingEntries.isEmpty ? "<span class=\"ok\">every entry final</span>" : "<span class=\"bad\">awaiting co-signatures: \(pendingEntries.map(String.init).joined(separator: ", "))</span>")</td></tr></table>"
        page += "<h2>Datasets</h2><table><tr><th>id</th><th>ledger entry</th><th>final</th><th>epsilon</th><th>CSV bytes</th></tr>"
        for dataset in datasets {
            page += "<tr><td>\(escape(dataset.id))</td><td>\(dataset.entry)</td><td>\(dataset.final ? "yes" : "no")</td><td>\(String(format: "%.4f", dataset.epsilon))</td><td>\(dataset.bytes)</td></tr>"
        }
        if datasets.isEmpty { page += "<tr><td colspan=\"5\" class=\"mute\">none published yet</td></tr>" }
        page += "</table>"
        if !rejections.isEmpty {
            page += "<h2>Rejected by the quality gate (not published)</h2><table><tr><th>id</th><th>ledger entry</th><th>final</th><th>reasons</th></tr>"
            for rejection in rejections {
                page += "<tr><td>\(escape(rejection.id))</td><td>\(rejection.entry)</td><td>\(rejection.final ? "yes" : "no")</td>"
                page += "<td class=\"bad\">\(rejection.failures.map(escape).joined(separator: "<br>"))</td></tr>"
            }
            page += "</table>"
        }
        return page + "</body></html>\n"
    }

    private func timings(_ state: RoundState) -> String {
        let order = ["open", "collecting", "decrypting", "applied", "committed", "failed"].compactMap { stage in
            state.stageEnteredAt[stage].map { (stage, $0) }
        }.sorted { $0.1 < $1.1 }
        guard order.count > 1 else { return "" }
        return (0..<(order.count - 1)).map { "\(order[$0].0) \(String(format: "%.1f", order[$0 + 1].1.timeIntervalSince(order[$0].1)))" }
            .joined(separator: ", ")
    }

    private func duration(_ state: RoundState) -> Double? {
        guard let end = state.stageEnteredAt["applied"] ?? state.stageEnteredAt["failed"] else { return nil }
        return end.timeIntervalSince(state.openedAt)
    }

    private func epsilonPlot() -> String {
        var cumulative = 0.0
        let points = rounds.compactMap { row -> (UInt64, Double)? in
            guard let epsilon = row.epsilon else { return nil }
            cumulative += epsilon
            return (row.state.id, cumulative)
        }
        return plot(points.map { (Double($0.0), $0.1) }, label: "sum of round epsilons", bars: false)
    }

    private func durationPlot() -> String {
        plot(rounds.compactMap { row in duration(row.state).map { (Double(row.state.id), $0) } }, label: "open to applied", bars: true)
    }

    /// A small SVG chart: x = round id, y = value.
    private func plot(_ points: [(Double, Double)], label: String, bars: Bool) -> String {
        let width = 360.0, height = 180.0, left = 40.0, bottom = 24.0
        guard !points.isEmpty else { return "<svg width=\"360\" height=\"60\"><text x=\"8\" y=\"30\" fill=\"#6b7280\">no data yet</text></svg>" }
        let maxX = max(points.map(\.0).max()!, 1), maxY = max(points.map(\.1).max()!, 1e-9)
        func x(_ v: Double) -> Double { left + (width - left - 10) * (v - 0.5) / maxX }
        func y(_ v: Double) -> Double { height - bottom - (height - bottom - 10) * v / maxY }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(label))\">"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 5)\" y2=\"\(height - bottom)\" stroke=\"#9aa3b2\"/>"
        svg += "<line x1=\"\(left)\" y1=\"10\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#9aa3b2\"/>"
        svg += "<text x=\"4\" y=\"16\" font-size=\"11\" fill=\"#6b7280\">\(String(format: "%.3g", maxY))</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 6)\" font-size=\"11\" fill=\"#6b7280\">round</text>"
        if bars {
            let barWidth = max(4, (width - left - 10) / maxX * 0.6)
            for (px, py) in points {
                svg += "<rect x=\"\(x(px) - barWidth / 2)\" y=\"\(y(py))\" width=\"\(barWidth)\" height=\"\(height - bottom - y(py))\" fill=\"#4a7bd0\"/>"
            }
        } else {
            svg += "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"\(points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " "))\"/>"
            for (px, py) in points { svg += "<circle cx=\"\(x(px))\" cy=\"\(y(py))\" r=\"3\" fill=\"#c0392b\"/>" }
        }
        return svg + "</svg>"
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
