internal import COpenSSL
import Foundation

/// SHA-256 over OpenSSL's EVP interface: one-shot (`SHA256.hash`) and streaming (`update`/`finalize`).
public struct SHA256: ~Copyable {
    /// A 32-byte SHA-256 digest.
    public typealias Digest = [UInt8]
    public static let digestSize = 32

    private let context: OpaquePointer

    /// Starts a streaming hash.
    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed: \(OpenSSLError.drainQueue())")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Absorbs bytes.
    public mutating func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { raw in
            guard raw.count > 0 else { return }
            guard EVP_DigestUpdate(context, raw.baseAddress, raw.count) == 1 else {
                fatalError("EVP_DigestUpdate failed: \(OpenSSLError.drainQueue())")
            }
        }
    }

    /// Ends the hash and returns the digest.
    public consuming func finalize() -> Digest {
        var digest = [UInt8](repeating: 0, count: Self.digestSize)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            fatalError("EVP_DigestFinal_ex failed: \(OpenSSLError.drainQueue())")
        }
        return digest
    }

    /// Whether `text` is a digest as this project writes it: 64 lowercase hex characters.
    public static func isHexDigest(_ text: String) -> Bool {
        text.count == 2 * digestSize && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The digest of `bytes` in one call.
    public static func hash<Bytes: ContiguousBytes>(_ bytes: Bytes) -> Digest {
        var digest = [UInt8](repeating: 0, count: digestSize)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil)
        }
        guard ok == 1, length == 32 else { fatalError("EVP_Digest(SHA-256) failed: \(OpenSSLError.drainQueue())") }
        return digest
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hexadecimal.
    public var hexString: String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        var out = ""
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// Parses hexadecimal (even length, case-insensitive); `nil` when malformed.
    public init?(hexString text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8? = nil
        for unit in text.utf8 {
            let nibble: UInt8
            switch unit {
            case 0x30...0x39: nibble = unit - 0x30
            case 0x61...0x66: nibble = unit - 0x61 + 10
            case 0x41...0x46: nibble = unit - 0x41 + 10
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        guard high == nil else { return nil }
        self = bytes
    }
}
