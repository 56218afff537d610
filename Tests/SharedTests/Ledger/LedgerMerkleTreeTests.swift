import Testing
@testable import Shared

/// The tree of RFC 9162 section 2.1 written the obvious recursive way, as the reference the
/// incremental `MerkleTree` is compared with.
private enum NaiveMerkle {
    static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return SHA256.hash([UInt8]())
        case 1: return leaves.first!
        default:
            let k = split(leaves.count)
            let mid = leaves.startIndex + k
            return MerkleTree.nodeHash(root(leaves[..<mid]), root(leaves[mid...]))
        }
    }

    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let mid = leaves.startIndex + k
        if m < k { return path(m, leaves[..<mid]) + [root(leaves[mid...])] }
        return path(m - k, leaves[mid...]) + [root(leaves[..<mid])]
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ known: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return known ? [] : [root(leaves)] }
        let k = split(n)
        let mid = leaves.startIndex + k
        if m <= k { return subproof(m, leaves[..<mid], known) + [root(leaves[mid...])] }
        return subproof(m - k, leaves[mid...], false) + [root(leaves[..<mid])]
    }
}

@Suite("Ledger Merkle tree (RFC 9162)")
struct LedgerMerkleTreeTests {
    static let standardLeaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                            "606162636465666768696a6b6c6d6e6f"].map { [UInt8](hexString: $0)! }

    static func tree(_ count: Int) -> (MerkleTree, [[UInt8]]) {
        var tree = MerkleTree()
        var hashes: [[UInt8]] = []
        for index in 0..<count { hashes.append(tree.append(data: [UInt8(index & 0xff), UInt8(index >> 8), 7])) }
        return (tree, hashes)
    }

    static func hashes(_ text: String?) -> [[UInt8]] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").map { [UInt8](hexString: String($0))! }
    }

    @Test("roots for sizes 0-8 and the proofs of section 4 match the constant vectors")
    func constantVectors() throws {
        var tree = MerkleTree()
        for leaf in Self.standardLeaves { tree.append(data: leaf) }
        let records = try TestVectors.records("merkle_vectors.txt")
        var roots = 0, inclusions = 0, consistencies = 0
        for record in records {
            if let size = record["size"].flatMap(Int.init) {
                #expect(try tree.root(size: size).hexString == record["root"], "size \(size)")
                roots += 1
            } else if let index = record["inclusion_index"].flatMap(Int.init), let size = record["tree_size"].flatMap(Int.init) {
                let expected = Self.hashes(record["path"])
                #expect(try tree.inclusionProof(index: index, size: size) == expected)
                #expect(MerkleTree.verifyInclusion(leafHash: try tree.leafHash(at: index), index: index, size: size,
                                                   proof: expected, root: try tree.root(size: size)))
                inclusions += 1
            } else if let from = record["consistency_from"].flatMap(Int.init), let to = record["consistency_to"].flatMap(Int.init) {
                let expected = Self.hashes(record["proof"])
                #expect(try tree.consistencyProof(from: from, to: to) == expected)
                #expect(MerkleTree.verifyConsistency(oldSize: from, newSize: to, oldRoot: try tree.root(size: from),
                                                     newRoot: try tree.root(size: to), proof: expected))
                #expect(!MerkleTree.verifyConsistency(oldSize: from, newSize: to, oldRoot: try tree.root(size: from),
                                                      newRoot: try tree.root(size: to - 1), proof: expected))
                consistencies += 1
            }
        }
        #expect(roots == 9 && inclusions == 4 && consistencies == 5)
    }

    @Test("roots agree with the naive tree for every size 1..300")
    func rootsAgreeWithNaive() throws {
        let (tree, hashes) = Self.tree(300)
        for size in 1...300 {
            #expect(try tree.root(size: size) == NaiveMerkle.root(hashes[0..<size]), "size \(size)")
        }
        #expect(try tree.root(size: 0) == MerkleTree.emptyRoot)
    }

    @Test("inclusion proofs for every index of several sizes agree with the naive tree and verify")
    func inclusionAgreesWithNaive() throws {
        let (tree, hashes) = Self.tree(300)
        for size in Array(1...33) + [63, 64, 65, 127, 128, 129, 255, 256, 257, 300] {
            let root = try tree.root(size: size)
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index, size: size)
                #expect(proof == NaiveMerkle.path(index, hashes[0..<size]))
                #expect(MerkleTree.verifyInclusion(leafHash: hashes[index], index: index, size: size, proof: proof, root: root))
                // The right proof for the wrong index or size must fail.
                if size > 1 {
                    #expect(!MerkleTree.verifyInclusion(leafHash: hashes[index], index: (index + 1) % size, size: size, proof: proof, root: root))
                }
            }
        }
    }

    @Test("consistency proofs for many pairs agree with the naive tree and verify")
    func consistencyAgreesWithNaive() throws {
        let (tree, hashes) = Self.tree(300)
        var pairs: [(Int, Int)] = []
        for newSize in 1...40 { for oldSize in 0...newSize { pairs.append((oldSize, newSize)) } }
        let random = SeededRandom(seed: 9162)
        for _ in 0..<400 {
            let newSize = 1 + Int(random.uniform(below: 300))
            pairs.append((Int(random.uniform(below: UInt64(newSize + 1))), newSize))
        }
        for (oldSize, newSize) in pairs {
            let proof = try tree.consistencyProof(from: oldSize, to: newSize)
            if oldSize > 0 && oldSize < newSize {
                #expect(proof == NaiveMerkle.subproof(oldSize, hashes[0..<newSize], true), "\(oldSize) -> \(newSize)")
            } else {
                #expect(proof.isEmpty)
            }
            let oldRoot = try tree.root(size: oldSize), newRoot = try tree.root(size: newSize)
            #expect(MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof))
            if oldSize > 0 && oldSize < newSize {
                // A different old tree of the same size must be rejected.
                var other = hashes[0..<oldSize].map { $0 }
                other[other.count - 1][0] ^= 1
                let otherRoot = NaiveMerkle.root(other[...])
                #expect(!MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: otherRoot, newRoot: newRoot, proof: proof))
            }
        }
    }

    @Test("every single-bit change of an inclusion or consistency proof is rejected")
    func singleBitMutationsRejected() throws {
        let (tree, hashes) = Self.tree(100)
        for (index, size) in [(0, 100), (37, 100), (99, 100), (64, 65), (5, 8)] {
            let proof = try tree.inclusionProof(index: index, size: size)
            let root = try tree.root(size: size)
            for position in proof.indices { for bit in 0..<256 {
                var mutated = proof
                mutated[position][bit / 8] ^= UInt8(1 << (bit % 8))
                #expect(!MerkleTree.verifyInclusion(leafHash: hashes[index], index: index, size: size, proof: mutated, root: root))
            } }
            #expect(!MerkleTree.verifyInclusion(leafHash: hashes[index], index: index, size: size, proof: proof + [hashes[0]], root: root))
            if !proof.isEmpty {
                #expect(!MerkleTree.verifyInclusion(leafHash: hashes[index], index: index, size: size, proof: Array(proof.dropLast()), root: root))
            }
        }
        for (oldSize, newSize) in [(1, 100), (3, 7), (4, 100), (37, 100), (64, 99)] {
            let proof = try tree.consistencyProof(from: oldSize, to: newSize)
            let oldRoot = try tree.root(size: oldSize), newRoot = try tree.root(size: newSize)
            for position in proof.indices { for bit in 0..<256 {
                var mutated = proof
                mutated[position][bit / 8] ^= UInt8(1 << (bit % 8))
                #expect(!MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: mutated))
            } }
        }
    }

    @Test("out-of-range proof requests are errors")
    func outOfRange() {
        let (tree, _) = Self.tree(5)
        #expect(throws: ApiaryError.self) { try tree.inclusionProof(index: 5, size: 5) }
        #expect(throws: ApiaryError.self) { try tree.inclusionProof(index: 0, size: 6) }
        #expect(throws: ApiaryError.self) { try tree.consistencyProof(from: 4, to: 3) }
        #expect(throws: ApiaryError.self) { try tree.root(size: 6) }
    }
}
