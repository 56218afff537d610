import Foundation

/// A small L2-regularised logistic regression trained by full-batch gradient descent with
/// Nesterov momentum; the step size is 1/L with L the loss's smoothness bound, estimated by
/// power iteration, so training is stable on any data without tuning. Deterministic.
public struct LogisticRegression: Sendable, Codable, Equatable {
    /// Weights, the intercept last.
    public let weights: [Double]

    /// Trains on row-major `features` (`featureCount` per row) and binary `labels`.
    public init(features: [Double], featureCount: Int, labels: [Bool], steps: Int = 300, l2: Double = 1e-3) {
        let rows = labels.count
        let width = featureCount + 1
        var x = [Double](repeating: 1, count: rows * width)
        for row in 0..<rows {
            for j in 0..<featureCount { x[row * width + j] = features[row * featureCount + j] }
        }
        let y = labels.map { $0 ? 1.0 : 0.0 }
        guard rows > 0 else {
            weights = [Double](repeating: 0, count: width)
            return
        }
        // Smoothness of the mean logistic loss: 0.25 * largest eigenvalue of X^T X / n, plus l2.
        var vector = [Double](repeating: 1 / Double(width).squareRoot(), count: width)
        var eigenvalue = 1.0
        for _ in 0..<30 {
            var product = [Double](repeating: 0, count: width)
            for row in 0..<rows {
                var dot = 0.0
                for j in 0..<width { dot += x[row * width + j] * vector[j] }
                for j in 0..<width { product[j] += x[row * width + j] * dot }
            }
            let norm = product.reduce(0) { $0 + $1 * $1 }.squareRoot() / Double(rows)
            eigenvalue = max(norm, 1e-12)
            vector = product.map { $0 / (norm * Double(rows)) }
        }
        let stepSize = 1 / (0.25 * eigenvalue * 1.05 + l2)
        var w = [Double](repeating: 0, count: width)
        var previous = w
        for step in 0..<max(1, steps) {
            let momentum = Double(step) / Double(step + 3)
            let look = (0..<width).map { w[$0] + momentum * (w[$0] - previous[$0]) }
            var gradient = [Double](repeating: 0, count: width)
            for row in 0..<rows {
                var z = 0.0
                for j in 0..<width { z += x[row * width + j] * look[j] }
                let error = Self.sigmoid(z) - y[row]
                for j in 0..<width { gradient[j] += error * x[row * width + j] }
            }
            previous = w
            for j in 0..<width {
                let penalty = j == width - 1 ? 0 : l2 * look[j]
                w[j] = look[j] - stepSize * (gradient[j] / Double(rows) + penalty)
            }
        }
        weights = w
    }

    /// P(label = true) for every row of row-major `features`.
    public func probabilities(features: [Double], featureCount: Int) -> [Double] {
        let rows = featureCount == 0 ? 0 : features.count / featureCount
        return (0..<rows).map { row in
            var z = weights[featureCount]
            for j in 0..<featureCount { z += features[row * featureCount + j] * weights[j] }
            return Self.sigmoid(z)
        }
    }

    static func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }

    /// Area under the ROC curve of `scores` for `labels` (Mann-Whitney, ties count half);
    /// 0.5 when one class is absent.
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var index = 0
        while index < order.count {
            var end = index
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[index]] { end += 1 }
            let averageRank = Double(index + end) / 2 + 1
            for k in index...end where labels[order[k]] { rankSumPositive += averageRank }
            index = end + 1
        }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
