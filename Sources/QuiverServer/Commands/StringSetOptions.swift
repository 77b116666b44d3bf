/// The options of `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]` and of
/// `GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]`, parsed as Redis's
/// `parseExtendedStringArgumentsOrReply` parses them.
///
/// Redis's grammar, kept exactly: options may come in any order and repeat (`EX 1 EX 2` sets the
/// last); `NX` with `XX`, and two different expiry options, are `ERR syntax error`; a time option
/// without a value is a syntax error; the value is checked only after every option parsed.
struct StringSetOptions: Sendable, Equatable {
    /// Which command's grammar applies.
    enum Grammar: Sendable {
        /// `SET`: options start at argument 3; `NX`, `XX`, `GET`, `KEEPTTL` allowed.
        case set
        /// `GETEX`: options start at argument 2; `PERSIST` allowed.
        case getex
    }

    /// How the expiry option spells its time.
    enum ExpiryUnit: Sendable, Equatable {
        /// `EX`: seconds from now.
        case seconds
        /// `PX`: milliseconds from now.
        case milliseconds
        /// `EXAT`: a Unix time in seconds.
        case unixSeconds
        /// `PXAT`: a Unix time in milliseconds.
        case unixMilliseconds
    }

    /// `NX`: only when the key does not exist.
    var onlyIfAbsent = false
    /// `XX`: only when the key exists.
    var onlyIfPresent = false
    /// `GET`: reply with the old value.
    var returnOld = false
    /// `KEEPTTL`: keep the key's time to live.
    var keepTTL = false
    /// `PERSIST` (`GETEX`): remove the time to live.
    var persist = false
    /// The expiry option and the index of its (unparsed) value argument.
    var expiry: (unit: ExpiryUnit, argument: Int)?

    static func == (a: StringSetOptions, b: StringSetOptions) -> Bool {
        a.onlyIfAbsent == b.onlyIfAbsent && a.onlyIfPresent == b.onlyIfPresent && a.returnOld == b.returnOld
            && a.keepTTL == b.keepTTL && a.persist == b.persist && a.expiry?.unit == b.expiry?.unit
            && a.expiry?.argument == b.expiry?.argument
    }

    /// Parses the options of `arguments` (the whole command, name included).
    ///
    /// - Throws: `ERR syntax error` for an unknown, misplaced or conflicting option.
    init(parsing arguments: [[UInt8]], grammar: Grammar) throws(CommandError) {
        var index = grammar == .set ? 3 : 2
        while index < arguments.count {
            let option = arguments[index]
            let hasNext = index + 1 < arguments.count
            let isSet = grammar == .set
            let anyExpiry = expiry != nil
            func unit(_ candidate: ExpiryUnit) -> Bool {
                // Repeating the same time option is allowed; mixing two is not.
                expiry == nil || expiry?.unit == candidate
            }
            if CommandArguments.matches(option, "NX"), isSet, !onlyIfPresent {
                onlyIfAbsent = true
            } else if CommandArguments.matches(option, "XX"), isSet, !onlyIfAbsent {
                onlyIfPresent = true
            } else if CommandArguments.matches(option, "GET"), isSet {
                returnOld = true
            } else if CommandArguments.matches(option, "KEEPTTL"), isSet, !persist, !anyExpiry {
                keepTTL = true
            } else if CommandArguments.matches(option, "PERSIST"), !isSet, !anyExpiry, !keepTTL {
                persist = true
            } else if CommandArguments.matches(option, "EX"), !keepTTL, !persist, unit(.seconds), hasNext {
                expiry = (.seconds, index + 1)
                index += 1
            } else if CommandArguments.matches(option, "PX"), !keepTTL, !persist, unit(.milliseconds), hasNext {
                expiry = (.milliseconds, index + 1)
                index += 1
            } else if CommandArguments.matches(option, "EXAT"), !keepTTL, !persist, unit(.unixSeconds), hasNext {
                expiry = (.unixSeconds, index + 1)
                index += 1
            } else if CommandArguments.matches(option, "PXAT"), !keepTTL, !persist, unit(.unixMilliseconds), hasNext {
                expiry = (.unixMilliseconds, index + 1)
                index += 1
            } else {
                throw .syntax
            }
            index += 1
        }
    }

    /// The absolute deadline (wall-clock milliseconds) the expiry option names, as Redis's
    /// `getExpireMillisecondsOrReply` computes it.
    ///
    /// - Parameters:
    ///   - text: The option's value argument.
    ///   - unit: How it is spelled.
    ///   - now: Wall-clock milliseconds.
    ///   - command: The lower-case command name for the error (`set`, `getex`, `setex`).
    /// - Throws: `ERR value is not an integer or out of range`, or `ERR invalid expire time in
    ///   'set' command` for a value below 1 or a deadline that overflows.
    static func deadline(_ text: [UInt8], unit: ExpiryUnit, now: Int64, command: String) throws(CommandError) -> Int64 {
        guard let value = CommandArguments.integer(text) else { throw .notInteger }
        let invalid = CommandError.err("invalid expire time in '\(command)' command")
        let inSeconds = unit == .seconds || unit == .unixSeconds
        guard value > 0, !inSeconds || value <= Int64.max / 1000 else { throw invalid }
        var milliseconds = inSeconds ? value * 1000 : value
        if unit == .seconds || unit == .milliseconds {
            let (sum, overflow) = milliseconds.addingReportingOverflow(now)
            guard !overflow else { throw invalid }
            milliseconds = sum
        }
        // Int64.max is the cache's "no deadline".
        return min(milliseconds, Int64.max - 1)
    }
}
