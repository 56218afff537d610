import Foundation

/// A small dense symmetric matrix (row-major) with what the copula needs: the nearest
/// correlation matrix by eigenvalue clipping (Jacobi rotations) and a Cholesky factor.
public struct SymmetricMatrix: Sendable, Equatable, Codable {
    /// Dimension.
    public let size: Int
    /// Row-major entries (size * size), kept symmetric.
    public private(set) var entries: [Double]

    /// The identity of dimension `size`.
    public init(identity size: Int) {
        self.size = size
        entries = [Double](repeating: 0, count: size * size)
        for i in 0..<size { entries[i * size + i] = 1 }
    }

    /// A matrix from row-major entries; the result is symmetrised ((A + A^T) / 2).
    public init(size: Int, entries: [Double]) {
        precondition(entries.count == size * size, "entries must be size * size")
        self.size = size
        self.entries = entries
        for i in 0..<size {
            for j in (i + 1)..<max(i + 1, size) {
                let mean = (entries[i * size + j] + entries[j * size + i]) / 2
                self.entries[i * size + j] = mean
                self.entries[j * size + i] = mean
            }
        }
    }

    /// Entry (i, j).
    public subscript(i: Int, j: Int) -> Double { entries[i * size + j] }

    /// Eigenvalues and eigenvectors (columns of the returned row-major matrix) by cyclic
    /// Jacobi rotations; converges quadratically, fine for the dozens of columns of a table.
    public func eigen(sweeps: Int = 60) -> (values: [Double], vectors: [Double]) {
        let n = size
        var a = entries
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<sweeps {
            var offDiagonal = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { offDiagonal += a[i * n + j] * a[i * n + j] } }
            if offDiagonal < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, v)
    }

    /// The nearest valid correlation matrix in the usual cheap sense: eigenvalues below
    /// `floor` raised to it, then rescaled to a unit diagonal. Noisy estimates need this
    /// to be positive definite before sampling.
    public func nearestCorrelation(floor: Double = 1e-3) -> SymmetricMatrix {
        let n = size
        let (values, vectors) = eigen()
        var result = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let lambda = max(values[k], floor)
            for i in 0..<n {
                let vik = vectors[i * n + k] * lambda
                for j in 0..<n { result[i * n + j] += vik * vectors[j * n + k] }
            }
        }
        let scale = (0..<n).map { 1 / max(result[$0 * n + $0], 1e-12).squareRoot() }
        for i in 0..<n { for j in 0..<n { result[i * n + j] *= scale[i] * scale[j] } }
        for i in 0..<n { result[i * n + i] = 1 }
        return SymmetricMatrix(size: n, entries: result)
    }

    /// The lower-triangular Cholesky factor L (row-major) with L L^T = A.
    /// - Throws: `ApiaryError(.invalidArgument)` if the matrix is not positive definite.
    public func cholesky() throws -> [Double] {
        let n = size
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = entries[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { throw ApiaryError(.invalidArgument, "matrix is not positive definite") }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }
}
