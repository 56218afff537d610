import Foundation

/// Finds an object key that appears twice in the same JSON object. Foundation's parsers keep
/// the last value silently, and in a configuration file a repeated field (a threshold written
/// twice, the second time loosened) must not pass unnoticed. Only the structure is scanned;
/// the text is assumed to be JSON that a parser accepts.
public enum JSONDuplicateKeys {
    /// The first repeated key and the 1-based line of its second occurrence, or nil.
    public static func first(in bytes: [UInt8]) -> (key: String, line: Int)? {
        // One frame per open container: the keys seen so far (nil for an array) and whether the
        // next string in it is a key.
        var frames: [(keys: Set<String>?, expectingKey: Bool)] = []
        var line = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
            case UInt8(ascii: "{"):
                frames.append((keys: [], expectingKey: true))
            case UInt8(ascii: "["):
                frames.append((keys: nil, expectingKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = frames.popLast()
            case UInt8(ascii: ","):
                if let last = frames.indices.last, frames[last].keys != nil { frames[last].expectingKey = true }
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
                guard let last = frames.indices.last, frames[last].keys != nil, frames[last].expectingKey else { break }
                frames[last].expectingKey = false
                let token = Data(bytes[start...min(index, bytes.count - 1)])
                guard let key = (try? JSONSerialization.jsonObject(with: token, options: .fragmentsAllowed)) as? String else { break }
                if frames[last].keys!.contains(key) { return (key, line) }
                frames[last].keys!.insert(key)
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
