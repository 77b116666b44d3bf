public import NIOCore

/// Splits the bytes a client sends into commands, exactly as Redis 8.8's `networking.c` does.
///
/// A pure value: feed it the connection's receive buffer (the same buffer every time, with new
/// bytes appended) and it returns one command per call, or `nil` when the buffer holds no
/// complete command yet. It accepts both request forms Redis accepts:
///
/// - **Multibulk** (`*<count>\r\n` then `count` times `$<length>\r\n<bytes>\r\n`), what every
///   client library sends. Arguments are binary safe (`\0`, CR and LF included) and are slices of
///   the buffer, not copies.
/// - **Inline** (any line not starting with `*`), what `telnet` and `nc` users type: split with
///   Redis's `sdssplitargs` rules (see ``splitInlineArguments(_:)``), ended by `\n` or `\r\n`.
///
/// Redis quirks kept on purpose: the two bytes after a count line's or bulk's CR are skipped
/// without checking that they are `\r\n`-shaped (`*1\rX$4\r\nPINGxx` is `PING`); `*0`, `*-5` and
/// empty or blank inline lines are no commands and are skipped; a NUL byte before the end of an
/// inline line or of a `*<count>` line hides the line end (Redis searches those lines with
/// `strchr`), so the connection waits until the line limit is exceeded.
///
/// Line limits are applied as if bytes arrived one at a time, so the result never depends on how
/// the input was split (Redis itself, reading 16 KiB at a time, accepts a single 70,000-byte
/// inline write that it rejects when it arrives in pieces; and Redis 8.8 silently drops errors
/// in a command whose first bytes arrived in an earlier read: this parser reports them).
///
/// After an error every later call throws the same error: the caller sends
/// ``RESPError/replyBytes`` and closes the connection. Declared lengths are never reserved, so a
/// client that announces a 2 GB bulk and sends 10 bytes costs its 10 bytes plus a few words of
/// state.
public struct RESPRequestParser: Sendable {
    /// The limits applied from the next header line on; change them between commands (for
    /// example after `AUTH`).
    public var limits: RESPRequestLimits

    private var state: State = .start(scanned: 0, sawNUL: false)

    private enum State: Sendable {
        /// Between commands. `scanned` bytes of the first line are known to hold no line end;
        /// `sawNUL` says a NUL hid it.
        case start(scanned: Int, sawNUL: Bool)
        /// Inside a multibulk command whose count line has been read.
        case multibulk(Progress)
        /// A protocol error was reported.
        case failed(RESPError)
    }

    /// How far a multibulk command has been checked; offsets are from the buffer's reader index.
    private struct Progress: Sendable {
        /// The declared argument count.
        var count: Int
        /// Where the first `$` line starts.
        var firstArgument: Int
        /// Arguments still to read.
        var remaining: Int
        /// Where the next `$` line or payload starts.
        var cursor: Int
        /// The current argument's length once its `$` line is read, -1 before.
        var bulkLength: Int = -1
        /// Bytes of the current `$` line known to hold no CR.
        var lineScanned: Int = 0

        init(count: Int, firstArgument: Int) {
            self.count = count
            self.firstArgument = firstArgument
            self.remaining = count
            self.cursor = firstArgument
        }
    }

    /// Creates a parser at the start of a connection.
    ///
    /// - Parameter limits: The limits to enforce; Redis's defaults unless given.
    public init(limits: RESPRequestLimits = .redisDefaults) {
        self.limits = limits
    }

    /// Whether the parser is between commands: no partial command is pending and no error was
    /// reported. A connection closed while this is `false` ended mid-command.
    public var isIdle: Bool {
        if case .start(let scanned, let sawNUL) = state { return scanned == 0 && !sawNUL }
        return false
    }

    /// The error reported earlier, if any.
    public var failure: RESPError? {
        if case .failed(let error) = state { return error }
        return nil
    }

    /// Returns the next command in `buffer` and consumes its bytes.
    ///
    /// Pass the same buffer on every call: the parser remembers how far it checked a partial
    /// command, relative to the buffer's reader index, and does not move the reader index until a
    /// command is complete. Empty commands are skipped.
    ///
    /// - Parameter buffer: The bytes received and not yet consumed.
    /// - Returns: The command's arguments (at least one), slices of `buffer`, or `nil` when more
    ///   bytes are needed.
    /// - Throws: ``RESPError`` with ``RESPError/isProtocolError``; the connection must be closed.
    /// - Complexity: O(*n*) in the bytes that arrived since the last call, plus O(*a*) in the
    ///   command's argument count when a command completes across several calls.
    public mutating func next(in buffer: inout ByteBuffer) throws(RESPError) -> [ByteBuffer]? {
        var arguments: [ByteBuffer] = []
        return try nextCommand(in: &buffer, into: &arguments) ? arguments : nil
    }

    /// Reads the next command in `buffer` into `arguments`, as ``next(in:)`` does, copying each
    /// argument into the arrays `arguments` already holds.
    ///
    /// For a server's read loop: a connection that keeps one `arguments` array and runs each
    /// command before reading the next allocates nothing per command for arguments it does not
    /// keep (an argument array a command kept is replaced, not overwritten).
    ///
    /// - Parameters:
    ///   - buffer: The bytes received and not yet consumed.
    ///   - arguments: The command's arguments when one was read; otherwise unspecified.
    /// - Returns: Whether a command was read.
    /// - Throws: ``RESPError`` with ``RESPError/isProtocolError``; the connection must be closed.
    public mutating func next(in buffer: inout ByteBuffer, into arguments: inout [[UInt8]]) throws(RESPError) -> Bool {
        var collector = ByteArrayCollector(reusing: &arguments)
        var complete = false
        defer { collector.finish(into: &arguments, complete: complete) }
        complete = try nextCommand(in: &buffer, into: &collector)
        return complete
    }

    /// The read loop behind both forms of `next`: one pass over the readable bytes (no
    /// per-line buffer accesses), then the reader index moves past what was consumed.
    private mutating func nextCommand<Collector: ArgumentCollector>(
        in buffer: inout ByteBuffer, into arguments: inout Collector
    ) throws(RESPError) -> Bool {
        if case .failed(let error) = state { throw error }
        var consumed = 0
        let outcome = buffer.withUnsafeReadableBytes { bytes -> Result<Bool, RESPError> in
            do throws(RESPError) {
                return .success(try step(bytes, of: buffer, consumed: &consumed, into: &arguments))
            } catch {
                return .failure(error)
            }
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        switch outcome {
        case .success(let found):
            return found
        case .failure(let error):
            state = .failed(error)
            throw error
        }
    }

    /// Reads commands from `all[consumed...]` until one is complete (`true`) or the bytes run out
    /// (`false`); `consumed` grows past each command read or skipped. `buffer` holds `all` at its
    /// reader index, for slicing.
    private mutating func step<Collector: ArgumentCollector>(
        _ all: UnsafeRawBufferPointer, of buffer: ByteBuffer, consumed: inout Int, into arguments: inout Collector
    ) throws(RESPError) -> Bool {
        while true {
            let bytes = UnsafeRawBufferPointer(rebasing: all[consumed...])
            switch state {
            case .failed(let error):
                throw error
            case .start(let scanned, let sawNUL):
                guard let first = bytes.first else { return false }
                if first == UInt8(ascii: "*") {
                    switch try startMultibulk(bytes, scanned: scanned, sawNUL: sawNUL) {
                    case .needMore: return false
                    case .empty(let length): consumed += length
                    case .started(let progress):
                        return try continueMultibulk(
                            progress, bytes, of: buffer, at: consumed, resumed: false, consumed: &consumed, into: &arguments)
                    }
                } else {
                    switch try inlineCommand(bytes, scanned: scanned, sawNUL: sawNUL) {
                    case .needMore: return false
                    case .empty(let length): consumed += length
                    case .command(let command, let length):
                        consumed += length
                        arguments.setInline(command)
                        return true
                    }
                }
            case .multibulk(let progress):
                return try continueMultibulk(
                    progress, bytes, of: buffer, at: consumed, resumed: true, consumed: &consumed, into: &arguments)
            }
        }
    }

    // MARK: Multibulk

    /// What a `*<count>` line gave.
    private enum MultibulkStart {
        /// The line is not complete.
        case needMore
        /// `*0` or a negative count: no command, `length` bytes to skip.
        case empty(length: Int)
        /// A command with arguments.
        case started(Progress)
    }

    /// Reads a `*<count>` line at the start of `bytes`.
    private mutating func startMultibulk(
        _ bytes: UnsafeRawBufferPointer, scanned: Int, sawNUL: Bool
    ) throws(RESPError) -> MultibulkStart {
        let available = bytes.count
        let limit = limits.lengthLineLimit
        let crIndex: Int
        switch sawNUL
            ? .nul(scanned) : bytes.scan(for: UInt8(ascii: "\r"), from: scanned, limit: limit + 1, stopAtNUL: true)
        {
        case .nul(let at):
            if available > limit { throw .tooBigMultibulkCountString }
            state = .start(scanned: at, sawNUL: true)
            return .needMore
        case .notFound(let scannedTo):
            if available > limit { throw .tooBigMultibulkCountString }
            state = .start(scanned: scannedTo, sawNUL: false)
            return .needMore
        case .found(let at):
            crIndex = at
        }
        guard crIndex + 1 < available else {
            state = .start(scanned: crIndex, sawNUL: false)
            return .needMore
        }
        guard let count = bytes.strictInteger(from: 1, to: crIndex), count <= Int32.max,
            count <= limits.maxMultibulkCount
        else { throw .invalidMultibulkLength }
        if let unauthenticated = limits.unauthenticated, count > unauthenticated.maxMultibulkCount {
            throw .unauthenticatedMultibulkLength
        }
        state = .start(scanned: 0, sawNUL: false)
        if count <= 0 { return .empty(length: crIndex + 2) }
        return .started(Progress(count: Int(count), firstArgument: crIndex + 2))
    }

    /// Checks the arguments from `progress` on; returns whether the command is complete (then
    /// `consumed` grows by its length), else saves the progress. `bytes` starts at offset
    /// `offset` from `buffer`'s reader index.
    private mutating func continueMultibulk<Collector: ArgumentCollector>(
        _ progress: Progress, _ bytes: UnsafeRawBufferPointer, of buffer: ByteBuffer, at offset: Int, resumed: Bool,
        consumed: inout Int, into arguments: inout Collector
    ) throws(RESPError) -> Bool {
        var progress = progress
        if !resumed { arguments.begin(count: progress.count) }
        guard try scanArguments(&progress, bytes, of: buffer, at: offset, collect: !resumed, into: &arguments) else {
            // A partial command collects nothing: it may never complete.
            if !resumed { arguments.abandon() }
            state = .multibulk(progress)
            return false
        }
        if resumed {
            // The bytes are all here and every header was checked: walk them again to collect.
            var walk = Progress(count: progress.count, firstArgument: progress.firstArgument)
            arguments.begin(count: progress.count)
            let complete = try scanArguments(&walk, bytes, of: buffer, at: offset, collect: true, into: &arguments)
            assert(complete && walk.cursor == progress.cursor)
        }
        consumed += progress.cursor
        state = .start(scanned: 0, sawNUL: false)
        return true
    }

    /// Advances `progress` through the `$` lines and payloads present in `bytes`; returns
    /// whether the command is complete. Hands each argument to `arguments` when `collect`.
    private func scanArguments<Collector: ArgumentCollector>(
        _ progress: inout Progress, _ bytes: UnsafeRawBufferPointer, of buffer: ByteBuffer, at offset: Int, collect: Bool,
        into arguments: inout Collector
    ) throws(RESPError) -> Bool {
        let available = bytes.count
        let limit = limits.lengthLineLimit
        while progress.remaining > 0 {
            if progress.bulkLength < 0 {
                let lineStart = progress.cursor
                let crIndex: Int
                switch bytes.scan(
                    for: UInt8(ascii: "\r"), from: lineStart + progress.lineScanned, limit: lineStart + limit + 1,
                    stopAtNUL: false)
                {
                case .found(let at):
                    crIndex = at
                case .notFound(let scannedTo), .nul(let scannedTo):
                    if available - lineStart > limit { throw .tooBigBulkCountString }
                    progress.lineScanned = scannedTo - lineStart
                    return false
                }
                guard crIndex + 1 < available else {
                    progress.lineScanned = crIndex - lineStart
                    return false
                }
                let first = bytes[lineStart]
                guard first == UInt8(ascii: "$") else { throw .expectedDollar(got: first) }
                guard let length = bytes.strictInteger(from: lineStart + 1, to: crIndex), length >= 0,
                    length <= limits.maxBulkLength
                else { throw .invalidBulkLength }
                if let unauthenticated = limits.unauthenticated, length > unauthenticated.maxBulkLength {
                    throw .unauthenticatedBulkLength
                }
                progress.bulkLength = Int(length)
                progress.lineScanned = 0
                progress.cursor = crIndex + 2
            }
            // Written so that no sum can overflow, whatever limit the caller chose.
            guard available - progress.cursor - 2 >= progress.bulkLength else { return false }
            if collect {
                arguments.append(
                    UnsafeRawBufferPointer(rebasing: bytes[progress.cursor..<progress.cursor + progress.bulkLength]),
                    sliceOf: buffer, at: offset + progress.cursor)
            }
            progress.cursor += progress.bulkLength + 2
            progress.bulkLength = -1
            progress.remaining -= 1
        }
        return true
    }

    // MARK: Inline

    /// What an inline line gave.
    private enum InlineLine {
        /// The line is not complete.
        case needMore
        /// A blank line, `length` bytes to skip.
        case empty(length: Int)
        /// A command, `length` bytes long with its line end.
        case command([[UInt8]], length: Int)
    }

    /// Reads an inline line at the start of `bytes`.
    private mutating func inlineCommand(
        _ bytes: UnsafeRawBufferPointer, scanned: Int, sawNUL: Bool
    ) throws(RESPError) -> InlineLine {
        let available = bytes.count
        let limit = limits.inlineLimit
        let newline: Int
        switch sawNUL
            ? .nul(scanned) : bytes.scan(for: UInt8(ascii: "\n"), from: scanned, limit: limit + 1, stopAtNUL: true)
        {
        case .nul(let at):
            if available > limit { throw .tooBigInlineRequest }
            state = .start(scanned: at, sawNUL: true)
            return .needMore
        case .notFound(let scannedTo):
            if available > limit { throw .tooBigInlineRequest }
            state = .start(scanned: scannedTo, sawNUL: false)
            return .needMore
        case .found(let at):
            newline = at
        }
        var lineLength = newline
        if lineLength > 0, bytes[lineLength - 1] == UInt8(ascii: "\r") { lineLength -= 1 }
        guard let arguments = Self.splitInlineArguments(Array(bytes[..<lineLength])) else { throw .unbalancedQuotes }
        state = .start(scanned: 0, sawNUL: false)
        if arguments.isEmpty { return .empty(length: newline + 1) }
        return .command(arguments, length: newline + 1)
    }
}

extension RESPRequestParser {
    /// The integer `bytes` spells, read as Redis's `string2ll` reads one (the rule this parser
    /// applies to counts and lengths): an optional `-`, then digits without leading zeros (`0`
    /// alone is allowed, `-0` is not), at most 20 characters, within `Int64`.
    public static func strictInteger(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        bytes.strictInteger(from: 0, to: bytes.count)
    }
}

extension RESPRequestLimits {
    /// ``maxLengthLineLength`` within 1...`Int32.max`, so offsets built from it cannot overflow.
    var lengthLineLimit: Int { Swift.min(Swift.max(maxLengthLineLength, 1), Int(Int32.max)) }
    /// ``maxInlineRequestLength`` within 1...`Int32.max`.
    var inlineLimit: Int { Swift.min(Swift.max(maxInlineRequestLength, 1), Int(Int32.max)) }
}

/// Where a line end was, or how far the search got.
enum LineScan {
    /// The terminator is at this offset.
    case found(Int)
    /// A NUL (when NULs stop the search) is at this offset, before any terminator.
    case nul(Int)
    /// Neither was found before this offset (the end of the bytes or of the limit).
    case notFound(Int)
}

extension UnsafeRawBufferPointer {
    /// Searches offsets `from..<limit` for `terminator`, and for NUL when `stopAtNUL`.
    func scan(for terminator: UInt8, from start: Int, limit: Int, stopAtNUL: Bool) -> LineScan {
        let end = Swift.min(count, Swift.max(limit, start))
        var index = start
        while index < end {
            let byte = self[index]
            if byte == terminator { return .found(index) }
            if stopAtNUL && byte == 0 { return .nul(index) }
            index += 1
        }
        return .notFound(end)
    }

    /// Parses the bytes at offsets `from..<to` the way Redis's `string2ll` does: an optional
    /// `-`, then digits without leading zeros (`0` alone is allowed, `-0` is not), at most 20
    /// characters, no `+`, no spaces, within `Int64`.
    func strictInteger(from start: Int, to end: Int) -> Int64? {
        let length = end - start
        guard length > 0, length < 21 else { return nil }
        var index = start
        var negative = false
        if self[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            if index == end { return nil }
        } else if length == 1 && self[index] == UInt8(ascii: "0") {
            return 0
        }
        guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(self[index]) else { return nil }
        var magnitude: UInt64 = 0
        while index < end {
            let digit = self[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

extension ByteBuffer {
    /// ``UnsafeRawBufferPointer/scan(for:from:limit:stopAtNUL:)`` over the readable bytes.
    func scan(for terminator: UInt8, from start: Int, limit: Int, stopAtNUL: Bool) -> LineScan {
        withUnsafeReadableBytes { $0.scan(for: terminator, from: start, limit: limit, stopAtNUL: stopAtNUL) }
    }

    /// ``UnsafeRawBufferPointer/strictInteger(from:to:)`` over the readable bytes.
    func strictInteger(from start: Int, to end: Int) -> Int64? {
        withUnsafeReadableBytes { $0.strictInteger(from: start, to: end) }
    }
}
