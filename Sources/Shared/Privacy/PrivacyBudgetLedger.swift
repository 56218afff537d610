import Foundation

/// An agent's durable record of the privacy it has spent, and the gate that refuses a task
/// which would take it past its `PrivacyBudget`.
///
/// The spent epsilon is not a sum of per-task epsilons: the RDP curves of all charged tasks
/// are added order by order and converted once at the budget's delta (the same conversion
/// the coordinator's `PrivacyAccountant` uses, so both report the same figure).
///
/// The record is a JSON file replaced atomically (temporary file, fsync, rename, directory
/// fsync) with mode 0600, so a crash leaves either the old or the new record, never a torn
/// one. A refused charge writes nothing. Charging a task id already recorded with the same
/// curve is a no-op, so a retried task is never charged twice.
///
/// File format (`format` = "apiary-privacy-budget-v1"):
///
///     { "format": "apiary-privacy-budget-v1",
///       "budget": { "epsilon": 3, "delta": 1e-05 },
///       "spent_epsilon": 1.234,
///       "charges": [ { "task_id": "round-7",
///                      "curve": { "orders": [1.1, ...], "values": [0.0021, ...] } } ] }
///
/// `budget` and `spent_epsilon` are informational: the budget in force is the one passed to
/// `init` (the institution's configuration), and the spent epsilon is recomputed on load.
public final class PrivacyBudgetLedger: @unchecked Sendable {
    /// The budget in force.
    public let budget: PrivacyBudget
    /// The spend record's path.
    public let fileURL: URL
    /// The orders every charge is expressed on.
    public let grid: RDPOrderGrid

    private let lock = NSLockShim()
    private var recorded: [PrivacyCharge]
    private var total: RDPCurve

    static let formatName = "apiary-privacy-budget-v1"

    /// What a successful `charge` did.
    public enum ChargeOutcome: Sendable, Equatable {
        /// The task was recorded; the spent epsilon is now `spentEpsilon`.
        case charged(spentEpsilon: Double)
        /// The task id was already recorded with the same curve; nothing changed.
        case alreadyCharged(spentEpsilon: Double)
    }

    private struct FileContents: Codable {
        let format: String
        let budget: PrivacyBudget
        let spentEpsilon: Double
        let charges: [PrivacyCharge]

        enum CodingKeys: String, CodingKey {
            case format, budget, charges
            case spentEpsilon = "spent_epsilon"
        }
    }

    /// Opens the record at `fileURL`, creating it (empty) if it does not exist.
    /// - Throws: `ApiaryError(.io)` if it cannot be read or written; `ApiaryError(.invalidEncoding)`
    ///   if it is not a valid record or its charges use another order grid.
    public init(fileURL: URL, budget: PrivacyBudget, grid: RDPOrderGrid = .dpAccountingDefault) throws {
        self.fileURL = fileURL
        self.budget = budget
        self.grid = grid
        var charges: [PrivacyCharge] = []
        var total = RDPCurve.zero(over: grid)
        if let data = try BudgetFileStore.read(fileURL) {
            let contents: FileContents
            do {
                contents = try PrivacyBudgetLedger.decoder.decode(FileContents.self, from: data)
            } catch {
                throw ApiaryError(.invalidEncoding, "privacy budget record \(fileURL.path) is not valid: \(error)")
            }
            guard contents.format == PrivacyBudgetLedger.formatName else {
                throw ApiaryError(.invalidEncoding, "privacy budget record \(fileURL.path) has format \(contents.format), expected \(PrivacyBudgetLedger.formatName)")
            }
            for charge in contents.charges {
                guard charge.curve.orders == grid.orders else {
                    throw ApiaryError(.invalidEncoding, "charge for task \(charge.taskID) in \(fileURL.path) uses a different RDP order grid")
                }
                total = try total.composed(with: charge.curve)
            }
            charges = contents.charges
        }
        self.recorded = charges
        self.total = total
        if try BudgetFileStore.read(fileURL) == nil { try persist(charges: charges, total: total) }
    }

    /// Every recorded charge, oldest first.
    public var charges: [PrivacyCharge] { lock.withLock { recorded } }

    /// The composed RDP of everything charged.
    public var spentCurve: RDPCurve { lock.withLock { total } }

    /// Epsilon spent so far at the budget's delta (0 when nothing is charged).
    public var spentEpsilon: Double {
        lock.withLock { (try? total.epsilon(delta: budget.delta).epsilon) ?? .infinity }
    }

    /// Epsilon still available (never negative).
    public var remainingEpsilon: Double { max(0, budget.epsilon - spentEpsilon) }

    /// The spent epsilon if `curve` were charged on top of what is recorded, without charging.
    public func epsilonIfCharged(_ curve: RDPCurve) throws -> Double {
        try lock.withLock { try total.composed(with: curve).epsilon(delta: budget.delta).epsilon }
    }

    /// Charges `curve` for `taskID` if the total stays within the budget, and records it durably
    /// before returning.
    /// - Throws: `ApiaryError(.budgetExceeded)` (nothing is written) if the total epsilon would
    ///   exceed the budget; `ApiaryError(.conflict)` if `taskID` was charged with a different
    ///   curve; `ApiaryError(.invalidArgument)` for an empty task id or a curve over another grid;
    ///   `ApiaryError(.io)` if the record cannot be written (then nothing is charged).
    @discardableResult
    public func charge(taskID: String, curve: RDPCurve) throws -> ChargeOutcome {
        guard !taskID.isEmpty else {
            throw ApiaryError(.invalidArgument, "task id must not be empty")
        }
        guard curve.orders == grid.orders else {
            throw ApiaryError(.invalidArgument, "task \(taskID): its RDP curve uses a different order grid from the budget record")
        }
        return try lock.withLock {
            let delta = budget.delta
            if let existing = recorded.first(where: { $0.taskID == taskID }) {
                guard existing.curve == curve else {
                    throw ApiaryError(.conflict, "task \(taskID) is already charged with different privacy parameters")
                }
                return .alreadyCharged(spentEpsilon: try total.epsilon(delta: delta).epsilon)
            }
            let spent = try total.epsilon(delta: delta).epsilon
            let requested = try curve.epsilon(delta: delta).epsilon
            let newTotal = try total.composed(with: curve)
            let after = try newTotal.epsilon(delta: delta).epsilon
            guard after <= budget.epsilon else {
                throw ApiaryError(.budgetExceeded, "task \(taskID) refused: privacy budget exceeded (spent epsilon \(format(spent)), this task alone \(format(requested)), total would be \(format(after)), limit \(format(budget.epsilon)) at delta \(delta))")
            }
            let updated = recorded + [PrivacyCharge(taskID: taskID, curve: curve)]
            try persist(charges: updated, total: newTotal)
            recorded = updated
            total = newTotal
            return .charged(spentEpsilon: after)
        }
    }

    /// Replaces the worst-case charge of `taskID` by its actual cost once that is known (for
    /// example a round's noise with the actual number of contributors instead of the quorum).
    /// The actual curve may only be lower at every order: a settlement never raises spending.
    /// - Throws: `ApiaryError(.notFound)` for an unknown task, `.conflict` if the curve is higher
    ///   anywhere, `.io` if the record cannot be written (then nothing changes).
    @discardableResult
    public func settle(taskID: String, actualCurve curve: RDPCurve) throws -> Double {
        try lock.withLock {
            guard let index = recorded.firstIndex(where: { $0.taskID == taskID }) else {
                throw ApiaryError(.notFound, "task \(taskID) was never charged")
            }
            guard curve.orders == grid.orders, zip(curve.values, recorded[index].curve.values).allSatisfy({ $0 <= $1 * (1 + 1e-12) }) else {
                throw ApiaryError(.conflict, "task \(taskID): the actual cost exceeds what was charged")
            }
            var updated = recorded
            updated[index] = PrivacyCharge(taskID: taskID, curve: curve)
            var newTotal = RDPCurve.zero(over: grid)
            for charge in updated { newTotal = try newTotal.composed(with: charge.curve) }
            try persist(charges: updated, total: newTotal)
            recorded = updated
            total = newTotal
            return try newTotal.epsilon(delta: budget.delta).epsilon
        }
    }

    /// Charges a mechanism known only to be pure epsilon-DP. It is expressed in RDP as
    /// min(epsilon, alpha epsilon^2 / 2) at each order (pure DP implies (alpha, epsilon)-RDP,
    /// and epsilon^2/2-zCDP by Bun and Steinke 2016, Proposition 3.3), so it composes with
    /// the other charges; on its own it converts to slightly more than epsilon.
    @discardableResult
    public func charge(taskID: String, pureEpsilon: Double) throws -> ChargeOutcome {
        try charge(taskID: taskID, curve: PrivacyBudgetLedger.pureEpsilonCurve(pureEpsilon, grid: grid))
    }

    /// The RDP curve used for a pure epsilon-DP charge.
    public static func pureEpsilonCurve(_ epsilon: Double, grid: RDPOrderGrid = .dpAccountingDefault) throws -> RDPCurve {
        try PrivacyParameterCheck.positive(epsilon, "task epsilon")
        return try RDPCurve(grid: grid, values: grid.orders.map { min(epsilon, $0 * epsilon * epsilon / 2) })
    }

    private func persist(charges: [PrivacyCharge], total: RDPCurve) throws {
        let spent = (try? total.epsilon(delta: budget.delta).epsilon) ?? .infinity
        let contents = FileContents(format: PrivacyBudgetLedger.formatName, budget: budget,
                                    spentEpsilon: spent, charges: charges)
        let data: Data
        do {
            data = try PrivacyBudgetLedger.encoder.encode(contents)
        } catch {
            throw ApiaryError(.invalidEncoding, "cannot encode the privacy budget record: \(error)")
        }
        try BudgetFileStore.write(data, to: fileURL)
    }

    private func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4f", value) : "infinity"
    }

    // RDP curves hold +infinity at orders where a mechanism gives no guarantee; plain JSON
    // has no infinity, so it is spelled as a string.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                        negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}
