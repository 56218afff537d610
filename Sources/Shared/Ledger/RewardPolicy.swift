/// The parameters of the reward formula (docs/ledger.md, "Rewards"), fixed at genesis.
///
/// For each contributor c of a round with noised record count n_c (negative counts as 0) and
/// aggregate quality q in parts per million:
///
///     base_c   = participationCredits + floor(n_c * creditsPerThousandRecords / 1000)
///     reward_c = floor(base_c * (qualityFloorPPM + (1_000_000 - qualityFloorPPM) * q / 1_000_000) / 1_000_000)
///
/// with every intermediate in exact integers (the inner division floors as well).
public struct RewardPolicy: Sendable, Equatable {
    /// Credits for taking part in a round at all.
    public var participationCredits: UInt64
    /// Credits per thousand noised records contributed.
    public var creditsPerThousandRecords: UInt64
    /// The share of the base reward paid even at quality 0, in parts per million (<= 1_000_000).
    public var qualityFloorPPM: UInt32
    /// Credits a researcher burns for one dataset licence.
    public var licencePriceCredits: UInt64

    /// A reward policy.
    public init(participationCredits: UInt64, creditsPerThousandRecords: UInt64, qualityFloorPPM: UInt32, licencePriceCredits: UInt64) {
        self.participationCredits = participationCredits
        self.creditsPerThousandRecords = creditsPerThousandRecords
        self.qualityFloorPPM = qualityFloorPPM
        self.licencePriceCredits = licencePriceCredits
    }

    /// The reward of one contributor by the formula above; nil when an intermediate overflows
    /// 64 bits or the policy is out of range (the verifier reports that as a failure).
    public func reward(noisedRecordCount: Int64, qualityPPM: UInt32) -> UInt64? {
        guard qualityFloorPPM <= 1_000_000, qualityPPM <= 1_000_000 else { return nil }
        let records = UInt64(max(noisedRecordCount, 0))
        let (recordProduct, overflow1) = records.multipliedReportingOverflow(by: creditsPerThousandRecords)
        guard !overflow1 else { return nil }
        let (base, overflow2) = participationCredits.addingReportingOverflow(recordProduct / 1_000)
        guard !overflow2 else { return nil }
        let floor = UInt64(qualityFloorPPM)
        let factorPPM = floor + (1_000_000 - floor) * UInt64(qualityPPM) / 1_000_000
        // base * factor can exceed 64 bits for large bases: multiply in 128 bits.
        let (high, low) = base.multipliedFullWidth(by: factorPPM)
        guard high < 1_000_000 else { return nil }
        return UInt64(1_000_000).dividingFullWidth((high, low)).quotient
    }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeUInt64(participationCredits)
        writer.writeUInt64(creditsPerThousandRecords)
        writer.writeUInt32(qualityFloorPPM)
        writer.writeUInt64(licencePriceCredits)
    }

    init(from reader: inout CanonicalReader) throws {
        participationCredits = try reader.readUInt64("participation credits")
        creditsPerThousandRecords = try reader.readUInt64("credits per thousand records")
        qualityFloorPPM = try reader.readUInt32("quality floor")
        licencePriceCredits = try reader.readUInt64("licence price")
    }
}
