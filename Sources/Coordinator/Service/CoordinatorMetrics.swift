import Foundation
import Shared

/// Renders `/metrics` in the Prometheus text exposition format (version 0.0.4).
public final class CoordinatorMetrics: @unchecked Sendable {
    private var server: HTTPServerMetrics?
    private let lock = NSLockShim()
    private var roundsByOutcome: [String: Int] = [:]

    public init(server: HTTPServerMetrics?) { self.server = server }

    /// Connects the HTTP server's counters once the server exists.
    public func attach(server: HTTPServerMetrics) { lock.withLock { self.server = server } }

    /// Counts a finished round by its final stage ("committed" or "failed").
    public func recordRoundOutcome(_ stage: String) { lock.withLock { roundsByOutcome[stage, default: 0] += 1 } }

    public func render(engine: CoordinatorEngine) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples {
                let number = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                lines.append("\(name)\(labels) \(number)")
            }
        }
        let round = engine.currentRound
        let stages = ["open", "collecting", "decrypting", "applied", "committed", "failed"]
        metric("apiary_round_stage", "gauge", "1 for the stage the current round is in.",
               stages.map { ("{stage=\"\($0)\"}", round?.stage.rawValue == $0 ? 1 : 0) })
        metric("apiary_round_id", "gauge", "Id of the current round.", [("", Double(round?.id ?? 0))])
        let outcomes = lock.withLock { roundsByOutcome }
        metric("apiary_rounds_total", "counter", "Rounds finished, by final stage.",
               ["committed", "failed"].map { ("{stage=\"\($0)\"}", Double(outcomes[$0] ?? 0)) })
        let events = engine.eventCounts
        metric("apiary_updates_received_total", "counter", "Updates accepted.", [("", Double(events["updates_accepted"] ?? 0))])
        metric("apiary_updates_refused_total", "counter", "Updates refused.", [("", Double(events["updates_refused"] ?? 0))])
        metric("apiary_round_updates", "gauge", "Updates in the current round.", [("", Double(round?.submissions.count ?? 0))])
        if let round {
            let order = stages.compactMap { stage in round.stageEnteredAt[stage].map { (stage, $0) } }.sorted { $0.1 < $1.1 }
            var durations: [(String, Double)] = []
            for (index, entry) in order.enumerated() where index + 1 < order.count {
                durations.append(("{stage=\"\(entry.0)\"}", order[index + 1].1.timeIntervalSince(entry.1)))
            }
            metric("apiary_round_stage_seconds", "gauge", "Seconds the current round spent in each completed stage.", durations)
        }
        let http = lock.withLock { server }?.snapshot ?? [:]
        metric("apiary_http_connections_open", "gauge", "Agents and clients connected now.", [("", Double(http["connections_open"] ?? 0))])
        metric("apiary_http_requests_total", "counter", "HTTP requests served.", [("", Double(http["requests"] ?? 0))])
        metric("apiary_http_rejected_requests_total", "counter", "Requests answered with 4xx/5xx.", [("", Double(http["rejected_requests"] ?? 0))])
        metric("apiary_http_handshake_failures_total", "counter", "TLS handshakes that failed.", [("", Double(http["handshake_failures"] ?? 0))])
        metric("apiary_http_connections_refused_total", "counter", "Connections closed at accept (connection or handshake cap, or stopping).",
               [("", Double(http["connections_refused"] ?? 0))])
        metric("apiary_http_connections_timed_out_total", "counter", "Handshakes and requests that missed their deadline.",
               [("", Double(http["connections_timed_out"] ?? 0))])
        metric("apiary_http_bytes_received_total", "counter", "Bytes received.", [("", Double(http["bytes_in"] ?? 0))])
        metric("apiary_http_bytes_sent_total", "counter", "Bytes sent.", [("", Double(http["bytes_out"] ?? 0))])
        return lines.joined(separator: "\n") + "\n"
    }
}
