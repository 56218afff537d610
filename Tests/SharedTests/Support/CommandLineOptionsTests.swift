import Testing
@testable import Shared

@Suite("Command-line options")
struct CommandLineOptionsTests {
    static func reason(_ arguments: [String]) -> String {
        do {
            _ = try CommandLineOptions(arguments, valued: ["epsilon", "delta"], flags: ["verbose"])
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test("values, inline values, flags and positionals; a following option is not a value")
    func parsing() throws {
        let options = try CommandLineOptions(["--epsilon", "-1.5", "--delta=1e-6", "--verbose", "file.csv"], valued: ["epsilon", "delta"], flags: ["verbose"])
        #expect(options.string("epsilon") == "-1.5")
        #expect(options.string("delta") == "1e-6")
        #expect(options.has("verbose"))
        #expect(options.positional == ["file.csv"])
        #expect(Self.reason(["--epsilon", "--delta", "1e-6"]) == "option --epsilon needs a value")
        #expect(Self.reason(["--epsilon"]) == "option --epsilon needs a value")
        #expect(Self.reason(["--verbose=1"]).contains("unknown option --verbose"))
        #expect(Self.reason(["-x"]).contains("unknown option -x"))
    }
}
