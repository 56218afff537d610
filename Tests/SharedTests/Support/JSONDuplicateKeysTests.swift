import Foundation
import Testing
@testable import Shared

@Suite("Repeated keys in JSON objects")
struct JSONDuplicateKeysTests {
    static func first(_ text: String) -> String? {
        JSONDuplicateKeys.first(in: Array(text.utf8)).map { "\($0.key)@\($0.line)" }
    }

    @Test("a key twice in one object is found with its line; the same key in sibling objects, arrays or strings is not")
    func repeatedKeys() {
        #expect(Self.first(#"{"a": 1, "b": 2}"#) == nil)
        #expect(Self.first("{\"a\": 1,\n \"a\": 2}") == "a@2")
        #expect(Self.first(#"{"x": {"a": 1}, "y": {"a": 2}, "a": [{"a": 1}, {"a": 2}]}"#) == nil)
        #expect(Self.first(#"{"x": {"a": 1, "b": {"c": 1}, "a": 3}}"#) == "a@1")
        // Escapes name the same key; a key-like text inside a value is not a key.
        #expect(Self.first(#"{"a": 1, "\u0061": 2}"#) == "a@1")
        #expect(Self.first(#"{"note": "\"a\": 1, \"a\": 2", "a": 1}"#) == nil)
        #expect(Self.first(#"[{"k": 1}, {"k": 1, "k": 2}]"#) == "k@1")
    }

    @Test("a configuration file with a repeated field is refused, naming the field and line")
    func configurationFile() throws {
        struct Settings: Decodable { let epsilon: Double }
        let path = NSTemporaryDirectory() + "apiary-dup-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\n  \"epsilon\": 1,\n  \"epsilon\": 50\n}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try ConfigurationFile.load(Settings.self, path: path, knownKeys: ["epsilon"])
        } throws: { "\($0)".contains("field 'epsilon' appears twice in one object (line 3)") }
    }
}
