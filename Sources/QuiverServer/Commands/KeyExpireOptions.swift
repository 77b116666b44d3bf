/// The `NX | XX | GT | LT` options of `EXPIRE`, `PEXPIRE`, `EXPIREAT` and `PEXPIREAT`, and the
/// rule that decides whether a new deadline replaces the current one (Redis's
/// `expireGenericCommand`).
struct KeyExpireOptions: Sendable, Equatable {
    /// `NX`: only when the key has no time to live.
    var onlyIfNone = false
    /// `XX`: only when the key has one.
    var onlyIfSome = false
    /// `GT`: only when the new deadline is later (no time to live counts as infinitely late).
    var onlyIfLater = false
    /// `LT`: only when the new deadline is earlier (no time to live counts as infinitely late).
    var onlyIfEarlier = false

    /// Parses arguments 3 and on of `arguments` (the whole command).
    ///
    /// - Throws: `ERR Unsupported option X`, or Redis's messages for incompatible options.
    init(parsing arguments: [[UInt8]]) throws(CommandError) {
        for option in arguments.dropFirst(3) {
            if CommandArguments.matches(option, "NX") {
                onlyIfNone = true
            } else if CommandArguments.matches(option, "XX") {
                onlyIfSome = true
            } else if CommandArguments.matches(option, "GT") {
                onlyIfLater = true
            } else if CommandArguments.matches(option, "LT") {
                onlyIfEarlier = true
            } else {
                // Redis prints the option with `%s`: up to its first NUL.
                let shown = option.prefix { $0 != 0 }
                throw .err("Unsupported option " + String(decoding: shown, as: UTF8.self))
            }
        }
        if onlyIfNone && (onlyIfSome || onlyIfLater || onlyIfEarlier) {
            throw .err("NX and XX, GT or LT options at the same time are not compatible")
        }
        if onlyIfLater && onlyIfEarlier { throw .err("GT and LT options at the same time are not compatible") }
    }

    /// Whether `deadline` may replace `current` (`nil`: the key has no time to live).
    func allows(_ deadline: Int64, replacing current: Int64?) -> Bool {
        if onlyIfNone && current != nil { return false }
        if onlyIfSome && current == nil { return false }
        if onlyIfLater {
            guard let current, deadline > current else { return false }
        }
        if onlyIfEarlier, let current, deadline >= current { return false }
        return true
    }

    /// The deadline (wall-clock milliseconds) that `text` names, as Redis computes it: `unit`
    /// is 1,000 for seconds and 1 for milliseconds, `base` is now for a relative time and 0 for
    /// an absolute one. Negative times are allowed (they expire the key at once).
    ///
    /// - Throws: `ERR value is not an integer or out of range`, or `ERR invalid expire time in
    ///   'expire' command` when the unit conversion or the addition overflows.
    static func deadline(_ text: [UInt8], unit: Int64, base: Int64, command: String) throws(CommandError) -> Int64 {
        guard var when = CommandArguments.integer(text) else { throw .notInteger }
        let invalid = CommandError.err("invalid expire time in '\(command)' command")
        if unit == 1000 {
            guard when <= Int64.max / 1000, when >= Int64.min / 1000 else { throw invalid }
            when *= 1000
        }
        guard when <= Int64.max - base else { throw invalid }
        return when + base
    }
}
