/// What a generator wants next.
public enum GeneratorStep: Sendable {
    /// Run this task with the agents and come back with its outcome.
    case task(RoundTask)
    /// Done: the fitted model, ready to sample.
    case finished(FittedModel)
}
