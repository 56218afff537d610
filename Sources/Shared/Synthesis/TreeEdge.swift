/// A directed edge of a tree model: `child`'s distribution is conditioned on `parent`'s code.
public struct TreeEdge: Sendable, Codable, Equatable, Hashable {
    /// The parent column.
    public let parent: Int
    /// The child column.
    public let child: Int

    /// An edge.
    public init(parent: Int, child: Int) {
        self.parent = parent
        self.child = child
    }
}
