/// A non-negative rational number numerator/denominator in lowest terms, the parameter type
/// of the exact samplers: their probabilities must be rational so that each coin flip can be
/// decided by comparing a uniform integer with an integer threshold, with no rounding.
public struct ExactRational: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The numerator (>= 0).
    public let numerator: UInt64
    /// The denominator (>= 1).
    public let denominator: UInt64

    /// numerator / denominator, reduced.
    /// - Throws: `ApiaryError(.invalidArgument)` if the denominator is 0.
    public init(_ numerator: UInt64, _ denominator: UInt64 = 1) throws {
        guard denominator > 0 else {
            throw ApiaryError(.invalidArgument, "rational denominator must be positive, got 0")
        }
        let divisor = ExactRational.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// The smallest multiple of 1/denominator that is >= value. Rounding up keeps a noise
    /// parameter at least as large as the accountant assumed, so privacy is never weakened.
    /// - Throws: `ApiaryError(.invalidArgument)` for a negative, NaN or infinite value or a zero
    ///   denominator; `ApiaryError(.overflow)` if value * denominator does not fit in 63 bits.
    public static func roundingUp(_ value: Double, denominator: UInt64 = 1) throws -> ExactRational {
        guard value.isFinite, value >= 0 else {
            throw ApiaryError(.invalidArgument, "value to make rational must be finite and non-negative, got \(value)")
        }
        guard denominator > 0 else {
            throw ApiaryError(.invalidArgument, "rational denominator must be positive, got 0")
        }
        let scaled = (value * Double(denominator)).rounded(.up)
        guard scaled < 0x1p63 else {
            throw ApiaryError(.overflow, "\(value) times \(denominator) does not fit in 63 bits")
        }
        return try ExactRational(UInt64(scaled), denominator)
    }

    /// The nearest double (for display and accounting, never for sampling).
    public var doubleValue: Double { Double(numerator) / Double(denominator) }

    /// The integer part, floor(numerator / denominator).
    public var floor: UInt64 { numerator / denominator }

    /// "n/d", or "n" when the denominator is 1.
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    private enum CodingKeys: String, CodingKey { case numerator, denominator }

    /// Decodes {"numerator": n, "denominator": d}, rejecting a zero denominator.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(try container.decode(UInt64.self, forKey: .numerator),
                      try container.decode(UInt64.self, forKey: .denominator))
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }
}
