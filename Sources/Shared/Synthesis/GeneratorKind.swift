/// The generators selectable by name (`--generator mst|copula`).
public enum GeneratorKind: String, Sendable, CaseIterable, Codable {
    /// Federated MST (default).
    case mst
    /// DP Gaussian copula.
    case copula

    /// The generator with default settings.
    public func makeGenerator() -> any Generator {
        switch self {
        case .mst: return MSTGenerator()
        case .copula: return GaussianCopulaGenerator()
        }
    }
}
