import Foundation
import Testing
@testable import Shared

@Suite("Durable file writes")
struct DurableFileTests {
    @Test("atomic writes replace content, create files 0600, and leave no temporary files")
    func atomicWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-durable-\(UUID().uuidString)").path
        try DurableFile.makeDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/state.json"
        try DurableFile.write(Array("one".utf8), to: path)
        try DurableFile.write(Array("two".utf8), to: path)
        #expect(try DurableFile.read(path) == Array("two".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: folder)
        #expect((folderAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"])
        try DurableFile.append(Array("+".utf8), to: path)
        #expect(try DurableFile.read(path) == Array("two+".utf8))
        #expect(try DurableFile.read(folder + "/missing") == nil)
        #expect(throws: ApiaryError.self) { try DurableFile.write([1], to: folder + "/no/such/folder/file") }
    }
}
