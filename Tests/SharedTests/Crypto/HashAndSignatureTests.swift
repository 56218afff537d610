import Testing
@testable import Shared

@Suite("SHA-256 and Ed25519 known answers")
struct HashAndSignatureTests {
    @Test("SHA-256 matches the NIST examples, one-shot and streamed in pieces")
    func sha256Vectors() throws {
        let records = try TestVectors.records("sha256.txt")
        #expect(records.count == 5)
        for record in records {
            let unit = try #require([UInt8](hexString: record["msg"] ?? ""))
            let repeatCount = Int(record["repeat"] ?? "1")!
            let expected = record["md"]!
            var streaming = SHA256()
            var whole: [UInt8] = []
            whole.reserveCapacity(unit.count * repeatCount)
            for _ in 0..<repeatCount { whole += unit }
            // Feed in uneven pieces so block boundaries fall everywhere.
            var offset = 0
            var piece = 1
            while offset < whole.count {
                let end = min(whole.count, offset + piece)
                streaming.update(Array(whole[offset..<end]))
                offset = end
                piece = piece * 3 % 1_000 + 1
            }
            #expect(streaming.finalize().hexString == expected)
            #expect(SHA256.hash(whole).hexString == expected)
        }
    }

    @Test("Ed25519 matches RFC 8032 section 7.1")
    func ed25519Vectors() throws {
        let records = try TestVectors.records("ed25519.txt")
        #expect(records.count == 4)
        for record in records {
            let secret = try #require([UInt8](hexString: record["secret"]!))
            let message = try #require([UInt8](hexString: record["msg"] ?? ""))
            let key = try Ed25519PrivateKey(rawRepresentation: secret)
            #expect(key.publicKey.rawRepresentation.hexString == record["public"], "\(record["name"]!)")
            let signature = try key.signature(for: message)
            #expect(signature.hexString == record["sig"], "\(record["name"]!)")
            #expect(key.publicKey.isValidSignature(signature, for: message))
            var flipped = signature
            flipped[7] ^= 0x01
            #expect(!key.publicKey.isValidSignature(flipped, for: message))
            #expect(!key.publicKey.isValidSignature(signature, for: message + [0]))
        }
    }

    @Test("Ed25519 PEM export and import round-trip")
    func ed25519PEM() throws {
        let key = try Ed25519PrivateKey()
        let pem = try key.pemRepresentation()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let restored = try Ed25519PrivateKey(pem: pem)
        #expect(restored.publicKey == key.publicKey)
        let publicPEM = try key.publicKey.pemRepresentation()
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(try Ed25519PublicKey(pem: publicPEM) == key.publicKey)
        let message: [UInt8] = Array("round 7".utf8)
        #expect(restored.publicKey.isValidSignature(try key.signature(for: message), for: message))
    }

    @Test("malformed keys give typed errors carrying OpenSSL's reason")
    func malformedKeys() throws {
        #expect(throws: ApiaryError.self) { try Ed25519PublicKey(rawRepresentation: [1, 2, 3]) }
        #expect(throws: ApiaryError.self) { try Ed25519PrivateKey(rawRepresentation: []) }
        do {
            _ = try Ed25519PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            Issue.record("garbage PEM accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .cryptoFailure)
            #expect(error.reason.contains("reading a PEM private key"))
        }
    }
}
