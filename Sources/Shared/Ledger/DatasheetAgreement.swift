import Foundation

/// Checks a published datasheet's statements against its publication entry and the CSV. The
/// ledger binds the datasheet's bytes by hash only, and co-signing institutions check the
/// entry, not the datasheet; so a datasheet could claim another epsilon, delta, contributor
/// list, generator, row count or CSV hash than the entry and file show, and a researcher
/// reads the datasheet. Each check compares what the coordinator derived the entry from.
public enum DatasheetAgreement {
    /// The first disagreement, one sentence, or nil when the datasheet states what the entry
    /// and the file show.
    public static func firstDisagreement(datasheet: [UInt8], publication: DatasetPublicationEntry, csv: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(datasheet)) as? [String: Any] else {
            return "the datasheet is not a JSON object"
        }
        guard object["format"] as? String == "apiary-datasheet-v1" else {
            return "the datasheet's format is not apiary-datasheet-v1"
        }
        let hashes = object["hashes"] as? [String: Any]
        guard let csvHash = hashes?["synthetic.csv"] as? String else { return "the datasheet has no hashes.synthetic.csv" }
        guard csvHash.lowercased() == publication.csvHash.hexString else {
            return "the datasheet's hashes.synthetic.csv \(csvHash) is not the file's SHA-256 \(publication.csvHash.hexString)"
        }
        let privacy = object["privacy"] as? [String: Any]
        guard let epsilon = number(privacy?["epsilon"]), epsilon >= 0 else { return "the datasheet has no numeric privacy.epsilon" }
        // The entry's units, computed as the coordinator computes them (docs/ledger.md section 1).
        let epsilonMicros = (epsilon * 1e6).rounded(.up)
        guard epsilonMicros == Double(publication.epsilonMicros) else {
            return "the datasheet's privacy.epsilon \(epsilon) is not the publication's epsilon_micros \(publication.epsilonMicros) (ceil(10^6 epsilon) = \(format(epsilonMicros)))"
        }
        guard let delta = number(privacy?["delta"]), delta >= 0 else { return "the datasheet has no numeric privacy.delta" }
        let deltaAttos = (delta * 1e18).rounded(.down)
        guard deltaAttos == Double(publication.deltaAttos) else {
            return "the datasheet's privacy.delta \(delta) is not the publication's delta_attos \(publication.deltaAttos) (floor(10^18 delta) = \(format(deltaAttos)))"
        }
        guard let contributors = object["contributors"] as? [String] else { return "the datasheet has no contributors list" }
        guard CanonicalOrder.sorted(contributors) == publication.contributors else {
            return "the datasheet's contributors \(contributors.sorted()) are not the publication's \(publication.contributors)"
        }
        let generator = (object["generator"] as? [String: Any])?["name"] as? String
        guard generator == publication.generator else {
            return "the datasheet's generator.name \(generator.map { "'\($0)'" } ?? "(none)") is not the publication's generator '\(publication.generator)'"
        }
        guard let rows = number(object["rows"]) else { return "the datasheet has no numeric rows" }
        let records = csvRecordCount(csv)
        guard rows == Double(max(0, records - 1)) else {
            return "the datasheet says \(format(rows)) rows, the file has \(max(0, records - 1)) after its header"
        }
        return nil
    }

    /// Records of an RFC 4180 file: line ends outside quotes, plus a last record without one.
    static func csvRecordCount(_ bytes: [UInt8]) -> Int {
        var records = 0, quoted = false, pending = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if byte == UInt8(ascii: "\n"), !quoted {
                records += 1
                pending = false
            } else if byte != UInt8(ascii: "\r") {
                pending = true
            }
        }
        return records + (pending ? 1 : 0)
    }

    /// A JSON number (not a Boolean, which Foundation also bridges to NSNumber).
    private static func number(_ value: Any?) -> Double? {
        guard let value = value as? NSNumber, !["c", "B"].contains(String(cString: value.objCType)) else { return nil }
        return value.doubleValue
    }

    private static func format(_ value: Double) -> String { String(format: "%.0f", value) }
}
