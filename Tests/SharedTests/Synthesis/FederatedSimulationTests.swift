import Foundation
import Testing
@testable import Shared

/// The whole pipeline with real (512-bit, test-only) Paillier keys on a few hundred rows.
@Suite("Federated simulation")
struct FederatedSimulationTests {
    @Test("three institutions, MST, holdout scoring: files written, epsilon within budget, schema respected")
    func endToEnd() throws {
        let directory = try scratchFolder("sim")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = SynthesisTestSupport.chainSchema
        var institutions: [SimulationConfiguration.Institution] = []
        for (index, name) in ["north", "south", "east"].enumerated() {
            let path = directory + "/\(name).csv"
            try Data(CSVWriter.encode(SynthesisTestSupport.chainTable(rows: 150, seed: UInt64(70 + index)))).write(to: URL(fileURLWithPath: path))
            institutions.append(.init(name: name, path: path))
        }
        let holdout = directory + "/holdout.csv"
        try Data(CSVWriter.encode(SynthesisTestSupport.chainTable(rows: 150, seed: 79))).write(to: URL(fileURLWithPath: holdout))
        var lines: [String] = []
        let configuration = SimulationConfiguration(schema: schema, institutions: institutions, epsilon: 4, delta: 1e-6,
                                                    rows: 300, keyBits: 512, seed: 7, holdoutPath: holdout,
                                                    outputDirectory: directory + "/out")
        let result = try FederatedSimulation(configuration: configuration).run(progress: { lines.append($0) })

        #expect(result.synthetic.rowCount == 300)
        let written = try CSVReader(schema: schema).read(path: directory + "/out/synthetic.csv")
        #expect(written.table.rowCount == 300)
        let sheet = try Datasheet.decode(try Data(contentsOf: URL(fileURLWithPath: directory + "/out/datasheet.json")))
        #expect(sheet == result.datasheet)
        #expect(sheet.privacy.epsilon <= 4 && sheet.privacy.epsilon > 3.5)
        #expect(sheet.privacy.releases.map(\.name) == [MSTGenerator.oneWayRelease, MSTGenerator.selectionRelease,
                                                       MSTGenerator.treeRelease, FederatedSimulation.qualityRelease])
        #expect(sheet.privacy.releases.allSatisfy { $0.contributors == 3 && $0.totalMu > 0 })
        #expect(sheet.contributors == ["north", "south", "east"])
        let csvBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/out/synthetic.csv")))
        #expect(sheet.hashes["synthetic.csv"] == SHA256.hash(csvBytes).hexString)
        let quality = try #require(sheet.quality)
        #expect(quality.trainOnSynthetic != nil)
        #expect(FileManager.default.fileExists(atPath: directory + "/out/datasheet.md"))
        #expect(try String(contentsOfFile: directory + "/out/datasheet.md", encoding: .utf8).contains("## Privacy"))
        // Progress lines carry counts, public names and hashes: the structure line names columns only.
        #expect(lines.contains { $0.contains("round 2") })
        // The progress line shows the datasheet's structure: the root, then one line per edge,
        // every column once as a child, public column names only.
        let structure = try #require(sheet.generator.structure)
        #expect(lines.contains("structure: " + structure.joined(separator: " | ")))
        #expect(structure.count == 4 && structure[0].hasSuffix(" (root)"))
        #expect(Set(structure.dropFirst().map { String($0.prefix { $0 != " " }) } + [String(structure[0].prefix { $0 != " " })]) == ["A", "B", "C", "X"])
        let named = Set(structure.flatMap { $0.split(whereSeparator: { " ,<-()".contains($0) }).map(String.init) })
        #expect(named.isSubset(of: ["A", "B", "C", "X", "root"]), "\(named)")
        #expect(try String(contentsOfFile: directory + "/out/datasheet.md", encoding: .utf8).contains("## Model structure"))
    }

    @Test("a one-column table's datasheet scores its column but reports no pair trends, in JSON and Markdown")
    func oneColumnQuality() throws {
        let directory = try scratchFolder("sim-one")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = TableSchema(columns: [ColumnSchema(name: "level", kind: .integer(lower: 0, upper: 9, binEdges: [0, 3, 6, 9]))])
        let random = SeededRandom(seed: 3)
        func table(_ rows: Int) -> Table {
            var table = Table(schema: schema)
            for _ in 0..<rows { table.append(row: [Double(random.uniform(below: 10))]) }
            return table
        }
        var institutions: [SimulationConfiguration.Institution] = []
        for name in ["north", "south"] {
            let path = directory + "/\(name).csv"
            try Data(CSVWriter.encode(table(400))).write(to: URL(fileURLWithPath: path))
            institutions.append(.init(name: name, path: path))
        }
        let holdout = directory + "/holdout.csv"
        try Data(CSVWriter.encode(table(400))).write(to: URL(fileURLWithPath: holdout))
        let configuration = SimulationConfiguration(schema: schema, institutions: institutions, epsilon: 4, delta: 1e-6,
                                                    rows: 200, keyBits: 512, seed: 5, holdoutPath: holdout,
                                                    outputDirectory: directory + "/out")
        let result = try FederatedSimulation(configuration: configuration).run(progress: { _ in })
        let quality = try #require(result.datasheet.quality)
        #expect(quality.pairTrends == nil && quality.columnShapes > 0.5)
        let json = try String(contentsOfFile: directory + "/out/datasheet.json", encoding: .utf8)
        #expect(json.contains("column_shapes") && !json.contains("pair_trends"))
        let markdown = try String(contentsOfFile: directory + "/out/datasheet.md", encoding: .utf8)
        #expect(markdown.contains("column shapes") && !markdown.contains("pair trends"))
        #expect(markdown.contains("noise standard deviation of the score above"))
    }

    @Test("no noise with one institution reproduces the real marginals; bad configurations are refused")
    func noiseFreeAndErrors() throws {
        let directory = try scratchFolder("sim")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = SynthesisTestSupport.chainTable(rows: 400, seed: 81)
        let path = directory + "/only.csv"
        try Data(CSVWriter.encode(table)).write(to: URL(fileURLWithPath: path))
        let configuration = SimulationConfiguration(schema: SynthesisTestSupport.chainSchema, institutions: [.init(name: "only", path: path)],
                                                    epsilon: .infinity, delta: 1e-6, generator: .copula, keyBits: 512, seed: 1,
                                                    outputDirectory: directory + "/out")
        let result = try FederatedSimulation(configuration: configuration).run()
        #expect(result.synthetic.rowCount == 400)
        #expect(result.datasheet.privacy.epsilon == .infinity)
        #expect(result.datasheet.markdown().contains("No differential privacy"))
        #expect(result.datasheet.generator.structure?.first?.contains("Gaussian copula") == true)

        var bad = configuration
        bad.quorum = 2
        #expect(throws: ApiaryError.self) { try FederatedSimulation(configuration: bad).run() }
        bad = configuration
        bad.institutions = [.init(name: "x", path: directory + "/missing.csv")]
        #expect(throws: ApiaryError.self) { try FederatedSimulation(configuration: bad).run() }
        bad = configuration
        bad.keyBits = 1000
        #expect(throws: ApiaryError.self) { try FederatedSimulation(configuration: bad).run() }
    }

    @Test("skipped rows are reported by location, never by content; institutions without a row are refused")
    func skippedRowsAndEmptyInstitutions() throws {
        let directory = try scratchFolder("sim")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = SynthesisTestSupport.chainSchema
        var text = String(decoding: CSVWriter.encode(SynthesisTestSupport.chainTable(rows: 120, seed: 3)), as: UTF8.self)
        let header = text.prefix { $0 != "\n" }
        text += "SECRETVALUE,SECRETVALUE,SECRETVALUE,SECRETVALUE\n"
        let path = directory + "/site.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var lines: [String] = []
        let configuration = SimulationConfiguration(schema: schema, institutions: [.init(name: "site", path: path)], epsilon: 2, delta: 1e-6,
                                                    keyBits: 512, seed: 2, outputDirectory: directory + "/out", badRows: .skip)
        _ = try FederatedSimulation(configuration: configuration).run(progress: { lines.append($0) })
        let skipped = try #require(lines.first { $0.hasPrefix("site: skipped \(path):122") })
        #expect(!lines.contains { $0.contains("SECRETVALUE") }, "\(skipped)")

        let empty = directory + "/empty.csv"
        try Data((header + "\n").utf8).write(to: URL(fileURLWithPath: empty))
        var none = configuration
        none.institutions = [.init(name: "x", path: empty), .init(name: "y", path: empty)]
        #expect { try FederatedSimulation(configuration: none).run() } throws: { "\($0)".contains("empty.csv (institution x) has a header but no data rows") }
        // One institution's empty file is refused too: it would add only noise under its name.
        none.institutions = [.init(name: "site", path: path), .init(name: "y", path: empty)]
        #expect { try FederatedSimulation(configuration: none).run() } throws: { "\($0)".contains("(institution y) has a header but no data rows") }
    }
}
