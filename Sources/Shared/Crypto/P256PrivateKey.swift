internal import COpenSSL

/// An ECDSA P-256 private key for TLS certificates (accepted by OpenSSL, curl and every TLS 1.3
/// stack, unlike Ed25519 certificates). Ledger signatures use `Ed25519PrivateKey` instead.
public struct P256PrivateKey: Sendable {
    let key: EVPKey

    /// A fresh key from OpenSSL's randomness.
    public init() throws {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw OpenSSLError.make("EVP_PKEY_CTX_new_from_name(EC)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_keygen(context, &pkey) == 1, let pkey else {
            throw OpenSSLError.make("generating a P-256 key")
        }
        key = EVPKey(pkey)
    }

    /// Imports a PEM "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" holding a P-256 key.
    public init(pem: String) throws {
        let pkey = try PEMCodec.readPrivateKey(pem)
        guard EVP_PKEY_get_base_id(pkey.pointer) == EVP_PKEY_EC, EVP_PKEY_get_bits(pkey.pointer) == 256 else {
            throw ApiaryError(.invalidEncoding, "the PEM private key is not a P-256 (prime256v1) key")
        }
        key = pkey
    }

    /// PEM "PRIVATE KEY" (PKCS#8) text. Write it only to files created 0600.
    public func pemRepresentation() throws -> String { try PEMCodec.writePrivateKey(key) }

    /// PEM "PUBLIC KEY" text of the matching public key.
    public func publicKeyPEM() throws -> String { try PEMCodec.writePublicKey(key) }
}
