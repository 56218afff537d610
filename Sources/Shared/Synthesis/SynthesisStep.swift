/// What a generator wants next. (On the wire, a `RoundTask`'s JSON travels as the parameters
/// of the protocol's `GeneratorStep` in an `UpdateTask`.)
public enum SynthesisStep: Sendable {
    /// Run this task with the agents and come back with its outcome.
    case task(RoundTask)
    /// Done: the fitted model, ready to sample.
    case finished(FittedModel)
}
