internal import CGMP
internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Installs GMP allocation functions that zero every block before it is freed or moved.
///
/// Why: GMP reallocates limbs while values grow and allocates temporaries inside `powm`;
/// wiping only in `BigUInt`'s deinit would leave copies of secret limbs in freed memory.
/// Zeroing every release makes "secret values are wiped" hold for GMP's internals too.
enum GMPMemory {
    static let installed: Bool = {
        __gmp_set_memory_functions(
            { size in
                guard let block = malloc(size) else { fatalError("GMP: out of memory allocating \(size) bytes") }
                return block
            },
            { old, oldSize, newSize in
                guard let fresh = malloc(newSize) else { fatalError("GMP: out of memory allocating \(newSize) bytes") }
                if let old {
                    memcpy(fresh, old, min(oldSize, newSize))
                    explicitBzero(old, oldSize)
                    free(old)
                }
                return fresh
            },
            { block, size in
                guard let block else { return }
                explicitBzero(block, size)
                free(block)
            })
        return true
    }()

    /// Zeroes memory in a way the optimiser may not remove (`OPENSSL_cleanse`).
    static func explicitBzero(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
        OPENSSL_cleanse(pointer, count)
    }
}
