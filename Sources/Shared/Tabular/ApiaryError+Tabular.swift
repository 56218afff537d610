extension ApiaryError.Code {
    /// Input data (a CSV file, a table) does not match its format or its schema. The reason
    /// names the file, line, column and problem, never a private cell's content.
    public static let invalidData = ApiaryError.Code("invalidData")
}
