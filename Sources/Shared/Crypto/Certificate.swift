internal import COpenSSL
import Foundation

/// Owner of one OpenSSL `X509`, freed on release.
final class X509Object: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}

/// An X.509 certificate (OpenSSL `X509`): PEM/DER import and export, subject fields, subject
/// alternative names, SHA-256 fingerprint, and a signature check against an issuer.
public struct Certificate: Sendable {
    let x509: X509Object

    init(owning pointer: OpaquePointer) { x509 = X509Object(pointer) }

    /// Imports a certificate from PEM text ("-----BEGIN CERTIFICATE-----") or DER bytes.
    public init(pemOrDER bytes: [UInt8]) throws {
        let marker = Array("-----BEGIN".utf8)
        if let start = bytes.firstIndex(where: { !$0.isASCIIWhitespace }), bytes[start...].starts(with: marker) {
            try self.init(pem: String(decoding: bytes, as: UTF8.self))
        } else {
            try self.init(der: bytes)
        }
    }

    /// Imports a PEM "CERTIFICATE" (the first one in the text).
    public init(pem: String) throws {
        let pointer: OpaquePointer = try PEMCodec.withReadBIO(pem) { bio in
            guard let x = PEM_read_bio_X509(bio, nil, nil, nil) else { throw OpenSSLError.make("reading a PEM certificate") }
            return x
        }
        self.init(owning: pointer)
    }

    /// Imports a DER certificate; trailing bytes are refused.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw ApiaryError(.invalidEncoding, "empty certificate") }
        let pointer: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let x = d2i_X509(nil, &cursor, buffer.count) else { throw OpenSSLError.make("reading a DER certificate") }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_free(x)
                throw ApiaryError(.invalidEncoding, "the DER certificate is followed by trailing bytes")
            }
            return x
        }
        self.init(owning: pointer)
    }

    /// The DER encoding.
    public var derRepresentation: [UInt8] {
        let length = i2d_X509(x509.pointer, nil)
        precondition(length > 0, "i2d_X509 failed on a certificate OpenSSL built or parsed")
        var der = [UInt8](repeating: 0, count: Int(length))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509(x509.pointer, &cursor)
        }
        return der
    }

    /// PEM "CERTIFICATE" text.
    public func pemRepresentation() throws -> String {
        try PEMCodec.withWriteBIO { bio in PEM_write_bio_X509(bio, x509.pointer) == 1 }
    }

    /// Lowercase hex SHA-256 of the DER encoding (as `openssl x509 -fingerprint -sha256` prints,
    /// without colons).
    public var fingerprint: String { SHA256.hash(derRepresentation).hexString }

    // MARK: Subject

    /// Every value of a subject attribute (by OpenSSL NID), as UTF-8.
    func subjectValues(_ nid: Int32) throws -> [String] {
        guard let name = X509_get_subject_name(x509.pointer) else { return [] }
        var values: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            guard index >= 0 else { break }
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            var utf8: UnsafeMutablePointer<UInt8>? = nil
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { throw OpenSSLError.make("decoding a certificate subject attribute") }
            values.append(String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
            apiary_openssl_free(utf8)
        }
        return values
    }

    /// The single value of a subject attribute; throws if it is missing or repeated (a
    /// repeated CN or OU would make the identity ambiguous).
    func singleSubjectValue(_ nid: Int32, _ label: String) throws -> String {
        let values = try subjectValues(nid)
        guard values.count == 1, let value = values.first, !value.isEmpty else {
            throw ApiaryError(.invalidArgument, "the certificate subject must have exactly one non-empty \(label), found \(values.count)")
        }
        return value
    }

    /// The subject's common name (CN).
    public func commonName() throws -> String { try singleSubjectValue(NID_commonName, "CN") }

    /// The subject's identity (CN, OU as a role, O) and this certificate's fingerprint.
    public func identity() throws -> CertificateIdentity {
        let roleText = try singleSubjectValue(NID_organizationalUnitName, "OU")
        guard let role = ParticipantRole(rawValue: roleText) else {
            let known = ParticipantRole.allCases.map(\.rawValue).joined(separator: ", ")
            throw ApiaryError(.invalidArgument, "the certificate's OU '\(roleText)' is not a role (\(known))")
        }
        return CertificateIdentity(name: try commonName(), role: role,
                                   consortium: try singleSubjectValue(NID_organizationName, "O"), fingerprint: fingerprint)
    }

    /// The subject alternative names as OpenSSL prints them ("DNS:localhost",
    /// "IP Address:127.0.0.1"); empty when the extension is absent.
    public func subjectAlternativeNames() throws -> [String] {
        let index = X509_get_ext_by_NID(x509.pointer, NID_subject_alt_name, -1)
        guard index >= 0, let extensionPointer = X509_get_ext(x509.pointer, index) else { return [] }
        let text = try PEMCodec.withWriteBIO { bio in X509V3_EXT_print(bio, extensionPointer, 0, 0) == 1 }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Whether this certificate's signature verifies under `issuer`'s public key (no chain,
    /// time or purpose checks: the TLS layer does those).
    public func isSigned(by issuer: Certificate) -> Bool {
        guard let issuerKey = X509_get0_pubkey(issuer.x509.pointer) else { return false }
        let result = X509_verify(x509.pointer, issuerKey)
        if result != 1 { OpenSSLError.clear() }
        return result == 1
    }
}

extension UInt8 {
    fileprivate var isASCIIWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
