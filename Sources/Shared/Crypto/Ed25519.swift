internal import COpenSSL
import Foundation

/// Owner of one `EVP_PKEY`, freed on release.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// An Ed25519 public key (RFC 8032), used to verify ledger entries and signed updates.
public struct Ed25519PublicKey: Sendable, Equatable, Hashable {
    /// The 32-byte encoding of RFC 8032.
    public let rawRepresentation: [UInt8]
    let key: EVPKey

    /// Imports the 32-byte RFC 8032 encoding.
    public init(rawRepresentation bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw ApiaryError(.invalidEncoding, "an Ed25519 public key has 32 bytes, got \(bytes.count)")
        }
        guard let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, bytes, 32) else {
            throw OpenSSLError.make("importing an Ed25519 public key")
        }
        self.rawRepresentation = bytes
        self.key = EVPKey(pkey)
    }

    /// Imports a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
    public init(pem: String) throws {
        let pkey = try PEMCodec.readPublicKey(pem)
        guard EVP_PKEY_get_base_id(pkey.pointer) == EVP_PKEY_ED25519 else {
            throw ApiaryError(.invalidEncoding, "the PEM public key is not an Ed25519 key")
        }
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(pkey.pointer, &raw, &length) == 1, length == 32 else {
            throw OpenSSLError.make("reading an Ed25519 public key")
        }
        self.rawRepresentation = raw
        self.key = pkey
    }

    /// PEM "PUBLIC KEY" text.
    public func pemRepresentation() throws -> String { try PEMCodec.writePublicKey(key) }

    /// Whether `signature` is a valid Ed25519 signature of `message` under this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pointer) == 1 else {
            OpenSSLError.clear()
            return false
        }
        let result = message.withUnsafeBufferPointer { m in
            EVP_DigestVerify(context, signature, 64, m.baseAddress, m.count)
        }
        if result != 1 { OpenSSLError.clear() }
        return result == 1
    }

    public static func == (lhs: Ed25519PublicKey, rhs: Ed25519PublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// Verifies many Ed25519 signatures on one thread with a single OpenSSL digest context, reset and
/// re-initialised per signature instead of allocated and freed each time. Keys are the
/// `Ed25519PublicKey`s' own `EVP_PKEY` objects, built once per signer when the key was imported.
///
/// Why reset before every init: OpenSSL 3 keeps the previous key's context unless told
/// otherwise, and a verification that silently ran under the previous signer's key would let
/// one member's signature pass as another's. Not thread-safe: use one verifier per thread.
public final class Ed25519Verifier {
    private let context: OpaquePointer

    /// A verifier with its own context.
    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Whether `signature` is a valid Ed25519 signature of `message` under `key`.
    public func isValid(_ signature: [UInt8], for message: [UInt8], under key: Ed25519PublicKey) -> Bool {
        guard signature.count == 64 else { return false }
        guard EVP_MD_CTX_reset(context) == 1, EVP_DigestVerifyInit(context, nil, nil, nil, key.key.pointer) == 1 else {
            OpenSSLError.clear()
            return false
        }
        let result = message.withUnsafeBufferPointer { m in
            signature.withUnsafeBufferPointer { s in EVP_DigestVerify(context, s.baseAddress, 64, m.baseAddress, m.count) }
        }
        if result != 1 { OpenSSLError.clear() }
        return result == 1
    }
}

/// An Ed25519 private key. The OpenSSL object holds the secret and is freed (and cleansed by
/// OpenSSL) on release; the raw seed is only materialised for export.
public struct Ed25519PrivateKey: Sendable {
    let key: EVPKey
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// A fresh key from OpenSSL's randomness.
    public init() throws {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLError.make("EVP_PKEY_CTX_new_id(Ed25519)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &pkey) == 1, let pkey else {
            throw OpenSSLError.make("generating an Ed25519 key")
        }
        try self.init(owning: EVPKey(pkey))
    }

    /// Imports the 32-byte RFC 8032 private key (seed).
    public init(rawRepresentation seed: [UInt8]) throws {
        guard seed.count == 32 else {
            throw ApiaryError(.invalidEncoding, "an Ed25519 private key has 32 bytes, got \(seed.count)")
        }
        guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw OpenSSLError.make("importing an Ed25519 private key")
        }
        try self.init(owning: EVPKey(pkey))
    }

    /// Imports a PEM "PRIVATE KEY" (PKCS#8, unencrypted).
    public init(pem: String) throws {
        let pkey = try PEMCodec.readPrivateKey(pem)
        guard EVP_PKEY_get_base_id(pkey.pointer) == EVP_PKEY_ED25519 else {
            throw ApiaryError(.invalidEncoding, "the PEM private key is not an Ed25519 key")
        }
        try self.init(owning: pkey)
    }

    private init(owning key: EVPKey) throws {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length) == 1, length == 32 else {
            throw OpenSSLError.make("deriving an Ed25519 public key")
        }
        self.key = key
        self.publicKey = try Ed25519PublicKey(rawRepresentation: raw)
    }

    /// The 32-byte seed. The caller owns the copy and should wipe it after use.
    public func rawRepresentation() throws -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_private_key(key.pointer, &raw, &length) == 1, length == 32 else {
            throw OpenSSLError.make("exporting an Ed25519 private key")
        }
        return raw
    }

    /// PEM "PRIVATE KEY" (PKCS#8) text. Write it only to files created 0600.
    public func pemRepresentation() throws -> String { try PEMCodec.writePrivateKey(key) }

    /// The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032).
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError.make("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else {
            throw OpenSSLError.make("EVP_DigestSignInit(Ed25519)")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(context, &signature, &length, m.baseAddress, m.count)
        }
        guard ok == 1, length == 64 else { throw OpenSSLError.make("EVP_DigestSign(Ed25519)") }
        return signature
    }
}

/// PEM import and export of `EVP_PKEY`s through memory BIOs.
enum PEMCodec {
    static func readPrivateKey(_ pem: String) throws -> EVPKey {
        try withReadBIO(pem) { bio in
            guard let pkey = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw OpenSSLError.make("reading a PEM private key")
            }
            return EVPKey(pkey)
        }
    }

    static func readPublicKey(_ pem: String) throws -> EVPKey {
        try withReadBIO(pem) { bio in
            guard let pkey = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw OpenSSLError.make("reading a PEM public key")
            }
            return EVPKey(pkey)
        }
    }

    static func writePrivateKey(_ key: EVPKey) throws -> String {
        try withWriteBIO { bio in
            PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1
        }
    }

    static func writePublicKey(_ key: EVPKey) throws -> String {
        try withWriteBIO { bio in PEM_write_bio_PUBKEY(bio, key.pointer) == 1 }
    }

    static func withReadBIO<R>(_ text: String, _ body: (OpaquePointer) throws -> R) throws -> R {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
                throw OpenSSLError.make("BIO_new_mem_buf")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    static func withWriteBIO(_ body: (OpaquePointer) -> Bool) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.make("BIO_new") }
        defer { BIO_free(bio) }
        guard body(bio) else { throw OpenSSLError.make("writing PEM") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = apiary_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { throw OpenSSLError.make("reading PEM output") }
        let raw = UnsafeRawBufferPointer(start: data, count: length)
        let text = String(decoding: raw, as: UTF8.self)
        // The buffer may hold a private key: cleanse it before the BIO frees it.
        apiary_cleanse(data, length)
        return text
    }
}
