/// Finds the fields of a JSON object that a type does not know. Foundation's decoder skips
/// them silently, and in a schema or a gate a misspelt field ("postive_category") would then
/// quietly fall back to a default that changes results.
public enum UnknownFields {
    /// The object's keys outside `known`, in file order as the decoder reports them.
    public static func of(_ decoder: any Decoder, known: Set<String>) throws -> [String] {
        try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).filter { !known.contains($0) }
    }

    /// Any key, to list an object's fields.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
