internal import COpenSSL

/// A source of uniformly random bytes. Production code uses `SystemRandom` (OpenSSL's
/// `RAND_bytes`); tests use `SeededRandom` for reproducible runs.
public protocol RandomSource: Sendable {
    /// Fills `buffer` with random bytes.
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// A uniformly random 64-bit word.
    public func nextUInt64() -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { fill($0) }
        return word
    }

    /// A uniform integer in [0, bound) without modulo bias (rejection sampling).
    public func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "empty range")
        let limit = UInt64.max - (UInt64.max % bound)
        while true {
            let word = nextUInt64()
            if word < limit { return word % bound }
        }
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public func unitDouble() -> Double { Double(nextUInt64() >> 11) * 0x1p-53 }
}

/// Cryptographically secure randomness from OpenSSL's `RAND_bytes`, the only source used
/// for keys, encryption randomness and noise in production.
public struct SystemRandom: RandomSource {
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var offset = 0
        while offset < buffer.count {
            let chunk = min(buffer.count - offset, Int(Int32.max))
            // RAND_bytes fails only if the DRBG cannot be seeded; continuing would be unsafe.
            guard RAND_bytes(base.advanced(by: offset).assumingMemoryBound(to: UInt8.self), Int32(chunk)) == 1 else {
                fatalError("RAND_bytes failed: \(OpenSSLError.drainQueue().joined(separator: "; "))")
            }
            offset += chunk
        }
    }
}

/// Deterministic pseudo-randomness (xoshiro256** seeded by SplitMix64) for tests and
/// reproducible simulations. Never for keys or production noise.
public final class SeededRandom: RandomSource, @unchecked Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private let lock = NSLockShim()

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    private func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = (state.3 << 45) | (state.3 >> 19)
        return result
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        lock.withLock {
            var index = 0
            while index < buffer.count {
                var word = next()
                for _ in 0..<8 where index < buffer.count {
                    buffer[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
        }
    }
}
