import Foundation

/// What an agent must compute and submit for one round (JSON; specified in docs/protocol.md).
///
/// The agent derives the privacy cost from the noise its own computation will add (and
/// refuses a task whose declared `privacyCost` disagrees), checks it against its own budget
/// before reading any row, and declines the task if it would exceed it. `step` is the
/// generator's descriptor of the local computation, noise included (opaque to the transport).
public struct UpdateTask: Codable, Sendable, Equatable {
    /// The round this update belongs to (updates are signed for it).
    public var roundId: UInt64
    /// The generator step to run locally (for example "marginals-1" of federated MST).
    public var step: GeneratorStep
    /// Integer values the update must have before packing.
    public var valueCount: Int
    /// Ciphertexts the packed update must have.
    public var ciphertextCount: Int
    /// Packing of the integer vector into plaintexts.
    public var packing: PackingSpec
    /// Least number of contributors the noise is sized for (t_min).
    public var quorum: Int
    /// Privacy cost of the round if this agent contributes (what the agent charges its budget).
    public var privacyCost: PrivacyCost
    /// Updates arriving after this instant are refused.
    public var deadline: Date
    /// SHA-256 of the model the step starts from (hex), if any.
    public var modelHashIn: String?

    public init(roundId: UInt64, step: GeneratorStep, valueCount: Int, ciphertextCount: Int, packing: PackingSpec,
                quorum: Int, privacyCost: PrivacyCost, deadline: Date, modelHashIn: String?) {
        self.roundId = roundId
        self.step = step
        self.valueCount = valueCount
        self.ciphertextCount = ciphertextCount
        self.packing = packing
        self.quorum = quorum
        self.privacyCost = privacyCost
        self.deadline = deadline
        self.modelHashIn = modelHashIn
    }
}

/// A generator's local computation for a round, as data.
public struct GeneratorStep: Codable, Sendable, Equatable {
    /// The generator ("mst", "copula", "marginals").
    public var generator: String
    /// The step within it ("marginals-1", "tree-marginals", ...).
    public var name: String
    /// Step parameters (for example the marginals to count), generator-specific JSON text.
    public var parameters: String

    public init(generator: String, name: String, parameters: String) {
        self.generator = generator
        self.name = name
        self.parameters = parameters
    }
}

/// Packing parameters as sent in a task.
public struct PackingSpec: Codable, Sendable, Equatable {
    public var modulusBits: Int
    public var valueBits: Int
    public var maxSummands: Int

    public init(modulusBits: Int, valueBits: Int, maxSummands: Int) {
        self.modulusBits = modulusBits
        self.valueBits = valueBits
        self.maxSummands = maxSummands
    }

    /// The layout these parameters describe (validated).
    public func layout() throws -> PackingLayout {
        try PackingLayout(valueBits: valueBits, maxSummands: maxSummands, modulusBits: modulusBits)
    }
}

/// An exact non-negative rational as "a/b" text (JSON numbers would round it).
public struct RationalText: Codable, Sendable, Equatable, CustomStringConvertible {
    public let numerator: UInt64
    public let denominator: UInt64

    public init(numerator: UInt64, denominator: UInt64) throws {
        guard denominator > 0 else { throw ApiaryError(.invalidArgument, "a rational needs a positive denominator") }
        self.numerator = numerator
        self.denominator = denominator
    }

    public var description: String { "\(numerator)/\(denominator)" }
    public var doubleValue: Double { Double(numerator) / Double(denominator) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: "/")
        guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]), b > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a rational \"a/b\", got \"\(text)\""))
        }
        numerator = a
        denominator = b
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The privacy cost of one round for one contributing agent: every noisy release in the round,
/// at the worst case (exactly `quorum` contributors), so the agent can charge its own
/// accountant before computing anything. The agent's epsilon is computed from this, never
/// taken from the coordinator.
public struct PrivacyCost: Codable, Sendable, Equatable {
    /// One release: "skellam" (integer sums, `mu` the total at quorum, L1 and L2 sensitivity)
    /// or "gaussian" (Poisson-subsampled Gaussian: sampling rate, noise multiplier).
    public struct Mechanism: Codable, Sendable, Equatable {
        public var mechanism: String
        public var mu: Double?
        public var l1: Double?
        public var l2: Double?
        public var samplingRate: Double?
        public var noiseMultiplier: Double?
        public var steps: Int

        public init(mechanism: String, mu: Double? = nil, l1: Double? = nil, l2: Double? = nil,
                    samplingRate: Double? = nil, noiseMultiplier: Double? = nil, steps: Int = 1) {
            self.mechanism = mechanism
            self.mu = mu
            self.l1 = l1
            self.l2 = l2
            self.samplingRate = samplingRate
            self.noiseMultiplier = noiseMultiplier
            self.steps = steps
        }

        /// A Skellam release with total noise `mu` at quorum.
        public static func skellam(mu: Double, l1: Double, l2: Double) -> Mechanism {
            Mechanism(mechanism: "skellam", mu: mu, l1: l1, l2: l2)
        }
    }

    public var mechanisms: [Mechanism]

    public init(mechanisms: [Mechanism]) { self.mechanisms = mechanisms }

    /// The composed RDP curve of every release in the round.
    public func rdpCurve(grid: RDPOrderGrid = .dpAccountingDefault) throws -> RDPCurve {
        var total = RDPCurve.zero(over: grid)
        for item in mechanisms {
            let curve: RDPCurve
            switch item.mechanism {
            case "skellam":
                guard let mu = item.mu, let l1 = item.l1, let l2 = item.l2 else {
                    throw ApiaryError(.invalidArgument, "a skellam cost needs mu, l1 and l2")
                }
                curve = try SkellamRDP.curve(mu: mu, l1: l1, l2: l2, steps: item.steps, grid: grid)
            case "gaussian":
                guard let q = item.samplingRate, let z = item.noiseMultiplier else {
                    throw ApiaryError(.invalidArgument, "a gaussian cost needs samplingRate and noiseMultiplier")
                }
                curve = try SubsampledGaussianRDP.curve(samplingRate: q, noiseMultiplier: z, steps: item.steps, grid: grid)
            default:
                throw ApiaryError(.unsupported, "unknown privacy mechanism '\(item.mechanism)'")
            }
            total = try total.composed(with: curve)
        }
        return total
    }
}
