/// A streaming RFC 4180 decoder: bytes in, records out, in chunks of any size.
///
/// Rules: fields are separated by commas and records by CRLF, LF or a lone CR; a field that
/// starts with a double quote is quoted and may contain commas, line breaks and doubled quotes
/// (`""` for one quote); a UTF-8 byte-order mark at the very start is dropped; an empty line
/// (no bytes between two line ends) is skipped, so a one-column table must quote an empty
/// value as `""`. Feeding the same bytes whole or split anywhere gives the same records
/// (tested by splitting at every position).
///
/// A malformed record never stops the decoder: it is returned with `problem` set (and no
/// fields) and decoding resumes at the next line end. Only an unterminated quote at the end
/// of the input is unrecoverable, and `finish()` reports it as a record with that problem.
public struct CSVDecoder: Sendable {
    private enum State: Sendable {
        case fieldStart, unquoted, quoted, quoteInQuoted, skippingBadRecord
    }

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    private var state = State.fieldStart
    private var bomPrefix: [UInt8]? = []
    private var line = 1
    private var lastWasCR = false
    private var field: [UInt8] = []
    private var fieldLine = 1
    private var fields: [String] = []
    private var fieldLines: [Int] = []
    private var recordLine = 1
    private var recordHasContent = false
    private var problem: (problem: CSVProblem, line: Int, column: Int)?
    private var output: [CSVRecord] = []

    /// A decoder at the start of a stream.
    public init() {}

    /// Consumes the next bytes and returns the records they complete.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [CSVRecord] where Bytes.Element == UInt8 {
        for byte in bytes {
            if var prefix = bomPrefix {
                // Hold the first bytes back until we know whether they are a byte-order mark.
                prefix.append(byte)
                if prefix == Self.bom {
                    bomPrefix = nil
                } else if Array(Self.bom.prefix(prefix.count)) == prefix {
                    bomPrefix = prefix
                } else {
                    bomPrefix = nil
                    for held in prefix { consume(held) }
                }
                continue
            }
            consume(byte)
        }
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    /// Ends the stream and returns the last record, if any (with `.unterminatedQuote` if a
    /// quoted field was never closed).
    public mutating func finish() -> [CSVRecord] {
        if let prefix = bomPrefix {
            bomPrefix = nil
            if prefix != Self.bom { for held in prefix { consume(held) } }
        }
        switch state {
        case .quoted:
            problem = problem ?? (.unterminatedQuote, fieldLine, fields.count + 1)
            endRecord()
        case .skippingBadRecord:
            endRecord()
        case .unquoted, .quoteInQuoted:
            endField()
            endRecord()
        case .fieldStart:
            if recordHasContent || !fields.isEmpty {
                endField()
                endRecord()
            }
        }
        defer { output.removeAll() }
        return output
    }

    private mutating func consume(_ byte: UInt8) {
        let isLineEnd = byte == Self.lf || byte == Self.cr
        let continuesCRLF = byte == Self.lf && lastWasCR
        lastWasCR = byte == Self.cr
        defer {
            // Count lines after the byte is handled, so a terminator belongs to its own line.
            if byte == Self.cr || (byte == Self.lf && !continuesCRLF) { line += 1 }
        }
        switch state {
        case .fieldStart:
            if byte == Self.quote {
                beginField()
                recordHasContent = true
                state = .quoted
            } else if byte == Self.comma {
                beginField()
                recordHasContent = true
                endField()
            } else if isLineEnd {
                if continuesCRLF { return }
                if recordHasContent || !fields.isEmpty {
                    beginFieldIfNeeded()
                    endField()
                    endRecord()
                }
                // Otherwise a blank line: nothing to emit.
                recordLine = line + 1
            } else {
                beginField()
                recordHasContent = true
                field.append(byte)
                state = .unquoted
            }
        case .unquoted:
            if endFieldAtSeparator(byte, isLineEnd: isLineEnd) {
                return
            } else if byte == Self.quote {
                fail(.quoteInUnquotedField, line: line, column: fields.count + 1)
            } else {
                field.append(byte)
            }
        case .quoted:
            if byte == Self.quote { state = .quoteInQuoted } else { field.append(byte) }
        case .quoteInQuoted:
            if byte == Self.quote {
                field.append(byte)
                state = .quoted
            } else if !endFieldAtSeparator(byte, isLineEnd: isLineEnd) {
                fail(.characterAfterClosingQuote, line: line, column: fields.count + 1)
            }
        case .skippingBadRecord:
            if isLineEnd {
                endRecord()
                recordLine = line + 1
            }
        }
    }

    /// Ends the field at a comma (the record continues) or a line end (the record ends);
    /// returns false for any other byte.
    private mutating func endFieldAtSeparator(_ byte: UInt8, isLineEnd: Bool) -> Bool {
        if byte == Self.comma {
            endField()
            state = .fieldStart
            return true
        }
        if isLineEnd {
            endField()
            endRecord()
            recordLine = line + 1
            return true
        }
        return false
    }

    private mutating func beginField() {
        if fields.isEmpty && !recordHasContent { recordLine = line }
        fieldLine = line
        field.removeAll(keepingCapacity: true)
    }

    private mutating func beginFieldIfNeeded() {
        if field.isEmpty { fieldLine = line }
    }

    private mutating func endField() {
        if problem == nil {
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
                fieldLines.append(fieldLine)
            } else {
                problem = (.invalidUTF8, fieldLine, fields.count + 1)
            }
        }
        field.removeAll(keepingCapacity: true)
        fieldLine = line
    }

    private mutating func fail(_ kind: CSVProblem, line: Int, column: Int) {
        if problem == nil { problem = (kind, line, column) }
        field.removeAll(keepingCapacity: true)
        state = .skippingBadRecord
    }

    private mutating func endRecord() {
        if let problem {
            output.append(CSVRecord(fields: [], line: recordLine, fieldLines: [], problem: problem))
        } else {
            output.append(CSVRecord(fields: fields, line: recordLine, fieldLines: fieldLines))
        }
        fields.removeAll(keepingCapacity: true)
        fieldLines.removeAll(keepingCapacity: true)
        problem = nil
        recordHasContent = false
        state = .fieldStart
    }
}
