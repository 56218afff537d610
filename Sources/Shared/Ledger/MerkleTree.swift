/// An append-only RFC 9162 Merkle tree (section 2.1) over SHA-256: leaf hash
/// SHA-256(0x00 || data), node hash SHA-256(0x01 || left || right).
///
/// Every complete, aligned subtree's hash is cached level by level (`levels[k]` holds the
/// hashes of the subtrees of 2^k leaves starting at multiples of 2^k). Appending a leaf
/// completes at most one subtree per level and on average one, so appends are amortised O(1)
/// hashes; any root or proof then needs O(log n) hashes, because every subtree a proof asks
/// for is either cached or the right edge of the tree, which splits into O(log n) cached ones.
public struct MerkleTree: Sendable {
    /// Cached hashes, 32 bytes each, stored flat per level to avoid one allocation per node.
    private var levels: [[UInt8]] = [[]]

    /// The SHA-256 of the empty string: the root of the empty tree (RFC 9162 section 2.1.1).
    public static let emptyRoot: [UInt8] = SHA256.hash([UInt8]())

    /// An empty tree.
    public init() {}

    /// A tree over the given leaf hashes, in order.
    public init<Hashes: Sequence>(leafHashes: Hashes) where Hashes.Element == [UInt8] {
        for hash in leafHashes { append(leafHash: hash) }
    }

    /// How many leaves the tree has.
    public var size: Int { levels[0].count / 32 }

    /// SHA-256(0x00 || data).
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update([UInt8(0)])
        hasher.update(data)
        return hasher.finalize()
    }

    /// SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var message = [UInt8]()
        message.reserveCapacity(65)
        message.append(1)
        message.append(contentsOf: left)
        message.append(contentsOf: right)
        return SHA256.hash(message)
    }

    /// Appends the leaf whose data is `data` and returns its leaf hash.
    @discardableResult
    public mutating func append(data: [UInt8]) -> [UInt8] {
        let hash = Self.leafHash(data)
        append(leafHash: hash)
        return hash
    }

    /// Appends a leaf by its (already computed) leaf hash.
    public mutating func append(leafHash hash: [UInt8]) {
        precondition(hash.count == 32, "a leaf hash has 32 bytes")
        levels[0].append(contentsOf: hash)
        // Each time a level gains an even-numbered node, the pair completes a node one level up.
        var level = 0
        var current = hash
        while (levels[level].count / 32) % 2 == 0 {
            let count = levels[level].count / 32
            let left = cached(level: level, index: count - 2)
            current = Self.nodeHash(left, current)
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(contentsOf: current)
            level += 1
        }
    }

    /// The leaf hash at `index`.
    public func leafHash(at index: Int) throws -> [UInt8] {
        guard index >= 0, index < size else {
            throw ApiaryError(.outOfRange, "leaf index \(index) is outside a tree of \(size) leaves")
        }
        return cached(level: 0, index: index)
    }

    /// The root of the tree of the first `treeSize` leaves (the current root by default).
    public func root(size treeSize: Int? = nil) throws -> [UInt8] {
        let treeSize = treeSize ?? size
        guard treeSize >= 0, treeSize <= size else {
            throw ApiaryError(.outOfRange, "tree size \(treeSize) is larger than the tree (\(size) leaves)")
        }
        return treeSize == 0 ? Self.emptyRoot : subtreeHash(start: 0, count: treeSize)
    }

    /// The audit path of leaf `index` in the tree of the first `treeSize` leaves
    /// (RFC 9162 section 2.1.3.1), ordered from the leaf's sibling up to the root's child.
    public func inclusionProof(index: Int, size treeSize: Int) throws -> [[UInt8]] {
        guard treeSize >= 1, treeSize <= size else {
            throw ApiaryError(.outOfRange, "tree size \(treeSize) is not between 1 and \(size)")
        }
        guard index >= 0, index < treeSize else {
            throw ApiaryError(.outOfRange, "leaf index \(index) is outside a tree of \(treeSize) leaves")
        }
        var path: [[UInt8]] = []
        auditPath(index: index, start: 0, count: treeSize, into: &path)
        return path
    }

    /// The consistency proof between the trees of the first `oldSize` and `newSize` leaves
    /// (RFC 9162 section 2.1.4.1). Empty when the sizes are equal or `oldSize` is 0.
    public func consistencyProof(from oldSize: Int, to newSize: Int) throws -> [[UInt8]] {
        guard newSize <= size else {
            throw ApiaryError(.outOfRange, "tree size \(newSize) is larger than the tree (\(size) leaves)")
        }
        guard oldSize >= 0, oldSize <= newSize else {
            throw ApiaryError(.outOfRange, "consistency needs 0 <= from (\(oldSize)) <= to (\(newSize))")
        }
        guard oldSize > 0, oldSize < newSize else { return [] }
        var proof: [[UInt8]] = []
        subproof(oldSize: oldSize, start: 0, count: newSize, oldRootIsKnown: true, into: &proof)
        return proof
    }

    /// Checks an audit path (RFC 9162 section 2.1.3.2).
    public static func verifyInclusion(leafHash: [UInt8], index: Int, size treeSize: Int, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index >= 0, index < treeSize, leafHash.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var fn = UInt64(index)
        var sn = UInt64(treeSize - 1)
        var result = leafHash
        for sibling in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                result = nodeHash(sibling, result)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                result = nodeHash(result, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && result == root
    }

    /// Checks a consistency proof (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof
    /// and equal roots; an old size of 0 needs an empty proof and the empty root.
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard oldSize >= 0, oldSize <= newSize, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = UInt64(oldSize - 1)
        var sn = UInt64(newSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldResult = path[0]
        var newResult = path[0]
        for node in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                oldResult = nodeHash(node, oldResult)
                newResult = nodeHash(node, newResult)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newResult = nodeHash(newResult, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && oldResult == oldRoot && newResult == newRoot
    }

    // MARK: - Internals

    private func cached(level: Int, index: Int) -> [UInt8] {
        let offset = index * 32
        return Array(levels[level][offset..<offset + 32])
    }

    /// MTH(D[start ..< start+count]) where, as in every RFC 9162 recursion, `start` is a
    /// multiple of the largest power of two below `count` (or of `count` itself).
    private func subtreeHash(start: Int, count: Int) -> [UInt8] {
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            return cached(level: level, index: start >> level)
        }
        let split = Self.largestPowerOfTwo(below: count)
        return Self.nodeHash(subtreeHash(start: start, count: split), subtreeHash(start: start + split, count: count - split))
    }

    /// PATH(m, D[start ..< start+count]) of RFC 9162 section 2.1.3.1, appended to `path`.
    private func auditPath(index: Int, start: Int, count: Int, into path: inout [[UInt8]]) {
        guard count > 1 else { return }
        let split = Self.largestPowerOfTwo(below: count)
        if index < split {
            auditPath(index: index, start: start, count: split, into: &path)
            path.append(subtreeHash(start: start + split, count: count - split))
        } else {
            auditPath(index: index - split, start: start + split, count: count - split, into: &path)
            path.append(subtreeHash(start: start, count: split))
        }
    }

    /// SUBPROOF(m, D[start ..< start+count], b) of RFC 9162 section 2.1.4.1, appended to `proof`.
    private func subproof(oldSize: Int, start: Int, count: Int, oldRootIsKnown: Bool, into proof: inout [[UInt8]]) {
        if oldSize == count {
            if !oldRootIsKnown { proof.append(subtreeHash(start: start, count: count)) }
            return
        }
        let split = Self.largestPowerOfTwo(below: count)
        if oldSize <= split {
            subproof(oldSize: oldSize, start: start, count: split, oldRootIsKnown: oldRootIsKnown, into: &proof)
            proof.append(subtreeHash(start: start + split, count: count - split))
        } else {
            subproof(oldSize: oldSize - split, start: start + split, count: count - split, oldRootIsKnown: false, into: &proof)
            proof.append(subtreeHash(start: start, count: split))
        }
    }

    /// The largest power of two strictly less than `count` (count >= 2).
    static func largestPowerOfTwo(below count: Int) -> Int {
        1 << (Int.bitWidth - 1 - (count - 1).leadingZeroBitCount)
    }
}
