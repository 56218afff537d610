/// A directed edge of a tree model: `child`'s distribution is conditioned on `parent`'s code
/// and, when set, also on `secondParent`'s (a column sampled earlier that the tree does not
/// link to the child directly).
public struct TreeEdge: Sendable, Codable, Equatable, Hashable {
    /// The parent column.
    public let parent: Int
    /// The child column.
    public let child: Int
    /// An extra earlier column the child is conditioned on, if any.
    public let secondParent: Int?

    /// An edge.
    public init(parent: Int, child: Int, secondParent: Int? = nil) {
        self.parent = parent
        self.child = child
        self.secondParent = secondParent
    }
}
