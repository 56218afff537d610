/// A `RandomSource` that draws from another source in 4 KiB blocks and hands the bytes out
/// in small pieces.
///
/// Why: the exact samplers consume one 64-bit word per coin and a Skellam sample at large mu
/// flips thousands of coins, while each `SystemRandom` call is an OpenSSL `RAND_bytes` round
/// trip. Buffering keeps the noise cryptographically generated and makes a word cost a copy.
/// The buffer is wiped when refilled or released, since it holds future noise.
public final class BufferedRandom: RandomSource, @unchecked Sendable {
    private let upstream: any RandomSource
    private let lock = NSLockShim()
    private var buffer: [UInt8]
    private var position: Int

    /// Wraps `upstream` (OpenSSL by default).
    public init(upstream: any RandomSource = SystemRandom(), blockSize: Int = 4096) {
        self.upstream = upstream
        self.buffer = [UInt8](repeating: 0, count: max(64, blockSize))
        self.position = buffer.count
    }

    deinit {
        buffer.withUnsafeMutableBytes { raw in
            for index in raw.indices { raw[index] = 0 }
        }
    }

    /// Fills `output` with the next buffered bytes, refilling from upstream as needed.
    public func fill(_ output: UnsafeMutableRawBufferPointer) {
        lock.withLock {
            var written = 0
            while written < output.count {
                if position == buffer.count {
                    buffer.withUnsafeMutableBytes { upstream.fill($0) }
                    position = 0
                }
                let chunk = min(output.count - written, buffer.count - position)
                buffer.withUnsafeMutableBytes { raw in
                    let start = raw.baseAddress!.advanced(by: position)
                    output.baseAddress!.advanced(by: written).copyMemory(from: start, byteCount: chunk)
                    // Bytes handed out are noise; do not leave a second copy behind.
                    start.initializeMemory(as: UInt8.self, repeating: 0, count: chunk)
                }
                position += chunk
                written += chunk
            }
        }
    }
}
