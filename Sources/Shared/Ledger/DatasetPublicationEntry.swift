/// Publishes a synthetic dataset: what file it is, how it was made and what privacy it cost.
public struct DatasetPublicationEntry: Sendable, Equatable {
    /// The dataset's id, unique in the ledger.
    public var datasetId: String
    /// SHA-256 of the CSV file's bytes.
    public var csvHash: [UInt8]
    /// The CSV file's size in bytes.
    public var csvSize: UInt64
    /// SHA-256 of the datasheet.
    public var datasheetHash: [UInt8]
    /// The generator that produced it (for example "mst").
    public var generator: String
    /// The dataset's total epsilon, in millionths.
    public var epsilonMicros: UInt64
    /// The dataset's total delta, in units of 1e-18.
    public var deltaAttos: UInt64
    /// The institutions whose data it derives from, sorted.
    public var contributors: [String]
    /// The rounds it derives from, ascending.
    public var rounds: [UInt64]

    /// A publication; lists are put into canonical order.
    public init(datasetId: String, csvHash: [UInt8], csvSize: UInt64, datasheetHash: [UInt8], generator: String,
                epsilonMicros: UInt64, deltaAttos: UInt64, contributors: [String], rounds: [UInt64]) {
        self.datasetId = datasetId
        self.csvHash = csvHash
        self.csvSize = csvSize
        self.datasheetHash = datasheetHash
        self.generator = generator
        self.epsilonMicros = epsilonMicros
        self.deltaAttos = deltaAttos
        self.contributors = CanonicalOrder.sorted(contributors)
        self.rounds = Array(Set(rounds)).sorted()
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(datasetId)
        writer.writeFixed(csvHash, count: 32)
        writer.writeUInt64(csvSize)
        writer.writeFixed(datasheetHash, count: 32)
        writer.writeString(generator)
        writer.writeUInt64(epsilonMicros)
        writer.writeUInt64(deltaAttos)
        writer.writeList(contributors) { $0.writeString($1) }
        writer.writeList(rounds) { $0.writeUInt64($1) }
    }

    init(from reader: inout CanonicalReader) throws {
        datasetId = try reader.readString("dataset id")
        csvHash = try reader.readFixed(32, "CSV hash")
        csvSize = try reader.readUInt64("CSV size")
        datasheetHash = try reader.readFixed(32, "datasheet hash")
        generator = try reader.readString("generator")
        epsilonMicros = try reader.readUInt64("dataset epsilon")
        deltaAttos = try reader.readUInt64("dataset delta")
        contributors = try reader.readList("dataset contributors") { try $0.readString("dataset contributor") }
        try CanonicalOrder.requireAscending(contributors, "dataset contributors")
        rounds = try reader.readList("dataset rounds") { try $0.readUInt64("dataset round") }
        try CanonicalOrder.requireAscending(rounds, "dataset rounds")
    }
}
