/// A maximum-weight spanning tree over columns (Kruskal's algorithm with union-find).
public enum MaximumSpanningTree {
    /// The edges (i, j), i < j, of a maximum spanning tree of the complete graph on `nodes`
    /// vertices with `weight(i, j)`. Ties break by the lower (i, j), so the tree is
    /// deterministic. `nodes` - 1 edges (none for a single node).
    public static func edges(nodes: Int, weight: (Int, Int) -> Double) -> [(Int, Int)] {
        var candidates: [(Double, Int, Int)] = []
        for i in 0..<nodes { for j in (i + 1)..<max(i + 1, nodes) { candidates.append((weight(i, j), i, j)) } }
        candidates.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
        var parent = Array(0..<nodes)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var chosen: [(Int, Int)] = []
        for (_, i, j) in candidates where chosen.count < nodes - 1 {
            let (ri, rj) = (root(i), root(j))
            if ri != rj {
                parent[ri] = rj
                chosen.append((i, j))
            }
        }
        return chosen
    }

    /// Orients tree edges away from `root` in breadth-first order: (parent, child) pairs such
    /// that every parent appears (as root or child) before its children.
    public static func orient(_ edges: [(Int, Int)], nodes: Int, root: Int) -> [(parent: Int, child: Int)] {
        var neighbours = [[Int]](repeating: [], count: nodes)
        for (i, j) in edges { neighbours[i].append(j); neighbours[j].append(i) }
        var visited = [Bool](repeating: false, count: nodes)
        var queue = [root]
        visited[root] = true
        var oriented: [(parent: Int, child: Int)] = []
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in neighbours[node].sorted() where !visited[next] {
                visited[next] = true
                oriented.append((node, next))
                queue.append(next)
            }
        }
        return oriented
    }
}
