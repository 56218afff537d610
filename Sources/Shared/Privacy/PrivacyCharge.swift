/// One task's entry in an agent's spend record: the task id and the RDP curve it spends.
public struct PrivacyCharge: Sendable, Codable, Equatable {
    /// The coordinator's task id (one charge per id; repeats are idempotent).
    public let taskID: String
    /// The task's RDP over the ledger's order grid.
    public let curve: RDPCurve

    /// A charge of `curve` for `taskID`.
    public init(taskID: String, curve: RDPCurve) {
        self.taskID = taskID
        self.curve = curve
    }

    private enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case curve
    }
}
