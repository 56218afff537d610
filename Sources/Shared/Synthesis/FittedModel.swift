/// The models Apiary's generators produce, as one Codable type a coordinator can store.
public enum FittedModel: Sendable, Codable {
    /// Federated MST's tree-structured model.
    case tree(TreeModel)
    /// The DP Gaussian copula.
    case copula(CopulaModel)

    /// The model as its protocol.
    public var model: any SynthesisModel {
        switch self {
        case .tree(let model): return model
        case .copula(let model): return model
        }
    }
}
