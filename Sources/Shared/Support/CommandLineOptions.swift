/// A small parser for `--name value` and `--flag` options, used by every command.
///
/// It validates before anything runs: unknown options, missing values and malformed numbers
/// are `ApiaryError(.invalidArgument)` naming the option, so a typo changes nothing.
public struct CommandLineOptions: Sendable {
    /// Values by option name (without dashes); repeated options keep every value in order.
    public private(set) var values: [String: [String]] = [:]
    /// Flags that were present.
    public private(set) var flags: Set<String> = []
    /// Words that are not options, in order.
    public private(set) var positional: [String] = []

    /// Parses `arguments`. `valued` lists options that take a value, `flags` those that do not.
    public init(_ arguments: [String], valued: Set<String>, flags allowedFlags: Set<String>) throws {
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                if word.hasPrefix("-"), word != "-" {
                    throw ApiaryError(.invalidArgument, "unknown option \(word); see --help")
                }
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String? = nil
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valued.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    // "--epsilon --delta 1e-6": the next option is not this one's value.
                    guard index < arguments.count, !(arguments[index].hasPrefix("--") && arguments[index].count > 2) else {
                        throw ApiaryError(.invalidArgument, "option --\(name) needs a value")
                    }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else if allowedFlags.contains(name), inlineValue == nil {
                flags.insert(name)
            } else {
                throw ApiaryError(.invalidArgument, "unknown option --\(name); see --help")
            }
        }
    }

    /// Whether `--name` was given.
    public func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

    /// The last value of `--name`, if given.
    public func string(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable option.
    public func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// The value of a required option.
    public func required(_ name: String) throws -> String {
        guard let value = string(name) else { throw ApiaryError(.invalidArgument, "missing required option --\(name)") }
        return value
    }

    /// An integer option, checked against `range`.
    public func int(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ApiaryError(.invalidArgument, "option --\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// A finite floating-point option.
    public func double(_ name: String, default fallback: Double? = nil) throws -> Double? {
        guard let text = string(name) else { return fallback }
        guard let value = Double(text), value.isFinite else {
            throw ApiaryError(.invalidArgument, "option --\(name) must be a finite number, got '\(text)'")
        }
        return value
    }

    /// Whether `--help` or `-h` appears anywhere in `arguments`.
    public static func wantsHelp(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }
}
