/// Which entries are final under the transparency-log rule (docs/ledger.md, "Finality"): a
/// signed tree head vouches for every entry below its size, so entry i is final once the
/// coordinator and `threshold` institutions of the roster in force for entry i have each signed
/// some head of size > i (not necessarily the same head), with the key that roster lists.
///
/// Rosters change only at genesis and membership changes, so they are kept per epoch, and per
/// signer only the largest head size signed matters: finality within an epoch is a prefix,
/// and finding it costs O(members), not O(entries).
public struct LedgerFinality: Sendable {
    /// A roster and the first entry it governs.
    private struct Epoch: Sendable {
        var start: Int
        var roster: EndorsementRoster
    }

    /// A signer under one key: a member removed and re-admitted with a new key counts as a
    /// different signer, so heads signed with the old key do not vouch for later entries.
    private struct SignerKey: Hashable, Sendable {
        var signerId: String
        var key: [UInt8]
    }

    private var epochs: [Epoch] = []
    private var largestSignedSize: [SignerKey: Int] = [:]
    /// Every head size each signer signed, for `wasFinal(_:byHeadsOfSizeAtMost:)`; sorted by
    /// `sortSignedSizes()`.
    private var signedSizes: [SignerKey: [Int]] = [:]
    /// Number of entries tracked.
    public private(set) var entryCount = 0

    /// No entries yet.
    public init() {}

    /// Adds the next entry, governed by the same roster as the previous one.
    mutating func appendEntry() {
        precondition(!epochs.isEmpty, "the first entry needs a roster")
        entryCount += 1
    }

    /// Adds the next entry, governed by `roster` (the genesis' own, or the membership after a change).
    mutating func appendEntry(startingEpoch roster: EndorsementRoster) {
        epochs.append(Epoch(start: entryCount, roster: roster))
        entryCount += 1
    }

    /// The roster in force for entry `index`.
    public func roster(for index: Int) -> EndorsementRoster? {
        guard index >= 0, index < entryCount, !epochs.isEmpty else { return nil }
        var low = 0
        var high = epochs.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if epochs[middle].start <= index { low = middle } else { high = middle - 1 }
        }
        return epochs[low].roster
    }

    /// The key `signerId` must have signed a head of `size` with, or nil when it may not sign
    /// one: only the coordinator and institutions of the roster in force for the last entry the
    /// head covers (entry `size - 1`) may.
    public func signingKey(of signerId: String, forHeadOfSize size: Int) -> Ed25519PublicKey? {
        roster(for: size - 1)?.keys[signerId]
    }

    /// Records a valid signature by `signerId` under `key` on a head of `size`.
    mutating func recordSignature(signerId: String, key: Ed25519PublicKey, size: Int) {
        let signer = SignerKey(signerId: signerId, key: key.rawRepresentation)
        if size > largestSignedSize[signer] ?? 0 { largestSignedSize[signer] = size }
        signedSizes[signer, default: []].append(size)
    }

    /// Sorts the signed sizes so `wasFinal` can binary-search them (call after the last record).
    mutating func sortSignedSizes() {
        for signer in signedSizes.keys { signedSizes[signer]!.sort() }
    }

    /// Whether entry `index` was final counting only heads of size at most `limit`: the rule
    /// for a settlement at entry `limit`, whose commitment must have been final before the
    /// settlement was appended. Sizes, not file positions, decide, so the verifier (reading a
    /// file) and a replica (receiving heads grouped by size) reach the same verdict.
    /// Requires `sortSignedSizes()` after the last signature was recorded.
    public func wasFinal(_ index: Int, byHeadsOfSizeAtMost limit: Int) -> Bool {
        guard let roster = roster(for: index) else { return false }
        func vouches(_ id: String) -> Bool {
            guard let key = roster.keys[id], let sizes = signedSizes[SignerKey(signerId: id, key: key.rawRepresentation)] else { return false }
            // The first signed size above `index`, by binary search.
            var low = 0
            var high = sizes.count
            while low < high {
                let middle = (low + high) / 2
                if sizes[middle] > index { high = middle } else { low = middle + 1 }
            }
            return low < sizes.count && sizes[low] <= limit
        }
        guard vouches(roster.coordinatorId) else { return false }
        return roster.keys.keys.filter { $0 != roster.coordinatorId && vouches($0) }.count >= roster.threshold
    }

    /// The number of leading entries of `epoch` that are final, as an entry bound: entries
    /// below it are vouched for by the coordinator and `threshold` institutions.
    private func finalBound(_ roster: EndorsementRoster) -> Int {
        func largest(_ id: String) -> Int {
            guard let key = roster.keys[id] else { return 0 }
            return largestSignedSize[SignerKey(signerId: id, key: key.rawRepresentation)] ?? 0
        }
        let institutions = roster.keys.keys.filter { $0 != roster.coordinatorId }.map(largest).sorted(by: >)
        guard roster.threshold >= 1, institutions.count >= roster.threshold else { return 0 }
        return min(largest(roster.coordinatorId), institutions[roster.threshold - 1])
    }

    /// Whether entry `index` is final.
    public func isFinal(_ index: Int) -> Bool {
        guard let roster = roster(for: index) else { return false }
        return index < finalBound(roster)
    }

    /// The entries not yet final, in order.
    public var pendingEntries: [Int] {
        var pending: [Int] = []
        for (position, epoch) in epochs.enumerated() {
            let end = position + 1 < epochs.count ? epochs[position + 1].start : entryCount
            pending += max(epoch.start, min(end, finalBound(epoch.roster)))..<end
        }
        return pending
    }
}
