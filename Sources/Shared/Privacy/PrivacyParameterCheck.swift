/// Validation of the accountant's and samplers' numeric inputs. Every failure is an
/// `ApiaryError(.invalidArgument)` whose reason names the parameter, shows the bad value and
/// the accepted range, so a mistyped command line or configuration file is easy to fix.
enum PrivacyParameterCheck {
    /// A finite value > 0.
    static func positive(_ value: Double, _ name: String) throws {
        guard value.isFinite, value > 0 else {
            throw ApiaryError(.invalidArgument, "\(name) must be a positive finite number, got \(value)")
        }
    }

    /// A sampling rate q in (0, 1].
    static func samplingRate(_ value: Double, _ name: String = "sampling rate") throws {
        guard value.isFinite, value > 0, value <= 1 else {
            throw ApiaryError(.invalidArgument, "\(name) must lie in (0, 1], got \(value)")
        }
    }

    /// A delta in (0, 1).
    static func delta(_ value: Double, _ name: String = "delta") throws {
        guard value.isFinite, value > 0, value < 1 else {
            throw ApiaryError(.invalidArgument, "\(name) must lie strictly between 0 and 1, got \(value)")
        }
    }

    /// A step (round) count >= 1.
    static func steps(_ value: Int, _ name: String = "steps") throws {
        guard value >= 1 else {
            throw ApiaryError(.invalidArgument, "\(name) must be at least 1, got \(value)")
        }
    }
}
