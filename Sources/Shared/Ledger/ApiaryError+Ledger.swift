extension ApiaryError.Code {
    /// The coordinator served a history that contradicts one this party saw before: a fork or a
    /// rewritten entry. Never retried or repaired automatically; a human must look.
    public static let forkDetected = ApiaryError.Code("forkDetected")
    /// The ledger file's bytes are damaged somewhere other than a torn last write.
    public static let ledgerCorrupted = ApiaryError.Code("ledgerCorrupted")
}
