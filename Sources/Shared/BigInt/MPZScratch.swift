internal import CGMP

/// Heap-allocated GMP temporaries for hot loops, so in-place calls pass stable pointers
/// (Swift's `&local` is only valid for the duration of one call). Cleared (and, through
/// `GMPMemory`, zeroed) when released.
final class MPZScratch {
    let pointers: [UnsafeMutablePointer<__mpz_struct>]

    init(count: Int, bitsEach: Int = 0) {
        _ = GMPMemory.installed
        pointers = (0..<count).map { _ in
            let pointer = UnsafeMutablePointer<__mpz_struct>.allocate(capacity: 1)
            if bitsEach > 0 { __gmpz_init2(pointer, UInt(bitsEach)) } else { __gmpz_init(pointer) }
            return pointer
        }
    }

    subscript(index: Int) -> UnsafeMutablePointer<__mpz_struct> { pointers[index] }

    deinit {
        for pointer in pointers {
            __gmpz_clear(pointer)
            pointer.deallocate()
        }
    }
}
