/// Records that a candidate dataset failed the consortium's quality gate and was not published:
/// which file it was, how it was made and what it missed. Auditors see the verdict next to the
/// rounds whose budget it spent.
public struct DatasetRejectionEntry: Sendable, Equatable {
    /// The candidate's dataset id, unique among publications and rejections.
    public var datasetId: String
    /// SHA-256 of the candidate CSV's bytes (the quality round's model hash).
    public var csvHash: [UInt8]
    /// The candidate CSV's size in bytes.
    public var csvSize: UInt64
    /// The generator that produced it.
    public var generator: String
    /// What the noisy quality scores missed, one line each (`QualityGate.failures`), sorted.
    public var failures: [String]
    /// The rounds it derives from, ascending.
    public var rounds: [UInt64]

    /// A rejection; lists are put into canonical order.
    public init(datasetId: String, csvHash: [UInt8], csvSize: UInt64, generator: String, failures: [String], rounds: [UInt64]) {
        self.datasetId = datasetId
        self.csvHash = csvHash
        self.csvSize = csvSize
        self.generator = generator
        self.failures = CanonicalOrder.sorted(Array(Set(failures)))
        self.rounds = Array(Set(rounds)).sorted()
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(datasetId)
        writer.writeFixed(csvHash, count: 32)
        writer.writeUInt64(csvSize)
        writer.writeString(generator)
        writer.writeList(failures) { $0.writeString($1) }
        writer.writeList(rounds) { $0.writeUInt64($1) }
    }

    init(from reader: inout CanonicalReader) throws {
        datasetId = try reader.readString("dataset id")
        csvHash = try reader.readFixed(32, "CSV hash")
        csvSize = try reader.readUInt64("CSV size")
        generator = try reader.readString("generator")
        failures = try reader.readList("rejection failures") { try $0.readString("rejection failure") }
        try CanonicalOrder.requireAscending(failures, "rejection failures")
        rounds = try reader.readList("dataset rounds") { try $0.readUInt64("dataset round") }
        try CanonicalOrder.requireAscending(rounds, "dataset rounds")
    }
}
