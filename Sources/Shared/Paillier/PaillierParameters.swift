/// Modulus sizes Apiary accepts and the DJN short-exponent length for each.
public enum PaillierParameters {
    /// Production sizes. 2048 is the default; 3072 and 4096 are selectable.
    public static let productionModulusBits: Set<Int> = [2048, 3072, 4096]
    /// Sizes accepted only for tests and quick simulations (`--key-bits 1024`): never for a deployment.
    public static let testModulusBits: Set<Int> = [512, 1024]
    /// The default modulus size.
    public static let defaultModulusBits = 2048

    /// Whether `bits` is a supported modulus size.
    public static func isSupported(_ bits: Int) -> Bool {
        productionModulusBits.contains(bits) || testModulusBits.contains(bits)
    }

    /// Throws a clear error for an unsupported size.
    public static func validate(modulusBits bits: Int) throws {
        guard isSupported(bits) else {
            let sizes = (testModulusBits.union(productionModulusBits)).sorted().map(String.init).joined(separator: ", ")
            throw ApiaryError(.unsupported, "Paillier modulus of \(bits) bits is not supported; use one of \(sizes) (512 and 1024 are for tests only)")
        }
    }

    /// Security strength in bits of an RSA-type modulus (NIST SP 800-57 Part 1, table 2).
    public static func securityStrength(modulusBits bits: Int) -> Int {
        switch bits {
        case ..<2048: return 80
        case ..<3072: return 112
        case ..<4096: return 128
        default: return 152
        }
    }

    /// Bit length of the DJN exponent `a` in `h_s^a`.
    ///
    /// Why 4x the security strength and not |n|/2: the best generic attacks on a short exponent
    /// (Pollard's lambda, van Oorschot-Wiener) cost about 2^(bits/2), so 2x the strength
    /// suffices; 4x leaves a wide margin, and keeps the fixed-base table under 16 MB while
    /// halving the multiplications per encryption compared with |n|/2 (448 vs 1024 bits at
    /// 2048-bit n). For toy sizes below 2048 it is capped at |n|/2. See docs/threat-model.md.
    public static func shortExponentBits(modulusBits bits: Int) -> Int {
        min(bits / 2, 4 * securityStrength(modulusBits: bits))
    }
}
