import Foundation

/// What the coordinator sends the agents for one round: blocks of measurements with their
/// noise, and the packing parameters every agent must use, as Codable data.
public struct RoundTask: Sendable, Codable, Equatable {
    /// The generator that issued the task.
    public let generator: String
    /// 1-based round number within the run.
    public let round: Int
    /// The blocks, concatenated in this order in the agent's vector.
    public let blocks: [MeasurementBlock]
    /// Public cap on one agent's records: with the noise tail it bounds every packed value.
    public let maxRecordsPerAgent: Int

    /// A task.
    public init(generator: String, round: Int, blocks: [MeasurementBlock], maxRecordsPerAgent: Int = 1 << 22) {
        self.generator = generator
        self.round = round
        self.blocks = blocks
        self.maxRecordsPerAgent = maxRecordsPerAgent
    }

    /// Length of the concatenated vector.
    public func outputCount(schema: TableSchema) -> Int { blocks.reduce(0) { $0 + $1.query.outputCount(schema: schema) } }

    /// Bits per packed value (b of the layout): enough for `maxRecordsPerAgent` records' largest
    /// contribution plus a noise share 40 standard deviations out (plus 64), and a sign.
    /// Noise beyond that has probability far below 2^-100; the encoder refuses rather than wraps.
    public var valueBits: Int {
        var largest = 0.0
        for block in blocks {
            let noiseTail = block.noise.map { 40 * (2 * $0.perAgentMu.doubleValue).squareRoot() + 64 } ?? 0
            largest = max(largest, Double(maxRecordsPerAgent) * block.query.maxAbsolutePerRecord + noiseTail)
        }
        return Int(log2(max(largest, 1)).rounded(.down)) + 2
    }

    /// The packing layout for `maxSummands` agents under a `modulusBits` key.
    public func packingLayout(modulusBits: Int, maxSummands: Int) throws -> PackingLayout {
        try PackingLayout(valueBits: valueBits, maxSummands: maxSummands, modulusBits: modulusBits)
    }

    /// Splits a concatenated vector into one array per block.
    public func split(_ vector: [Int64], schema: TableSchema) throws -> [[Int64]] {
        guard vector.count == outputCount(schema: schema) else {
            throw ApiaryError(.invalidArgument, "round \(round) vector has \(vector.count) values, expected \(outputCount(schema: schema))")
        }
        var start = 0
        return blocks.map { block in
            let count = block.query.outputCount(schema: schema)
            defer { start += count }
            return Array(vector[start..<(start + count)])
        }
    }
}
