extension String {
    /// Decodes a NUL-terminated C character buffer as UTF-8 (invalid bytes become U+FFFD).
    init(cChars buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
