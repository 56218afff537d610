import Dispatch
import Foundation

/// Times operations in short interleaved chunks so that an operation and its reference see
/// the same machine conditions; reports the median rate over the chunks.
struct BenchTimer {
    struct Operation {
        let name: String
        /// Runs the operation `count` times.
        let run: (Int) -> Void
    }

    let chunkSeconds: Double
    let rounds: Int

    init(chunkSeconds: Double = 0.25, rounds: Int = 5) {
        self.chunkSeconds = chunkSeconds
        self.rounds = rounds
    }

    /// Operations per second for each operation, by name.
    func rates(_ operations: [Operation]) -> [String: Double] {
        // Calibrate a batch size per operation so that one chunk lasts about chunkSeconds.
        var batch: [String: Int] = [:]
        for operation in operations {
            var count = 1
            while true {
                let seconds = Self.time { operation.run(count) }
                if seconds >= chunkSeconds / 4 || count >= 1 << 24 {
                    batch[operation.name] = max(1, Int(Double(count) * chunkSeconds / max(seconds, 1e-9)))
                    break
                }
                count *= 4
            }
        }
        var samples: [String: [Double]] = [:]
        for _ in 0..<rounds {
            for operation in operations {
                let count = batch[operation.name]!
                let seconds = Self.time { operation.run(count) }
                samples[operation.name, default: []].append(Double(count) / seconds)
            }
        }
        return samples.mapValues { Self.median($0) }
    }

    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// Formats figures for people and for `--json`.
enum BenchReport {
    static func json(_ values: [(String, Double)]) -> String {
        let body = values.map { "\"\($0.0)\": \(format($0.1))" }.joined(separator: ", ")
        return "{" + body + "}"
    }

    static func format(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "null" }
        if value >= 100 { return String(format: "%.1f", value) }
        return String(format: "%.4g", value)
    }

    /// The "figure value" header and one aligned line per figure.
    static func table(_ figures: [(String, Double)]) -> [String] {
        [row("figure", "value")] + figures.map { row($0.0, format($0.1)) }
    }

    /// One aligned "name value" line.
    static func row(_ name: String, _ value: String) -> String {
        name.padding(toLength: max(name.count, 26), withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 14 - value.count)) + value
    }

    static func machine() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var model = "unknown CPU"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "\(model), \(cores) cores"
    }
}
