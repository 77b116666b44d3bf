internal import Quiver
internal import Logging

extension ServerConfiguration {
    /// The keys a config file and the command line accept (each option is `--KEY`), with
    /// redis.conf's spellings where they differ (`loglevel`).
    static let directiveKeys: Set<String> = [
        "dir", "port", "bind", "requirepass", "durability", "appendfsync", "maxmemory", "protected-mode", "maxclients",
        "timeout", "metrics-port", "enable-debug-command", "proto-max-bulk-len", "client-query-buffer-limit",
        "client-output-buffer-limit", "log-level", "loglevel", "user", "io-threads", "search-threads",
    ]

    /// Sets what `directive` says; later directives win over earlier ones.
    ///
    /// - Parameter source: The file the directive came from, or `command line`, for errors.
    /// - Throws: ``ConfigurationError`` for an unknown key, a missing or bad value.
    mutating func apply(_ directive: ConfigDirective, source: String) throws(ConfigurationError) {
        let arguments = directive.arguments
        func fail(_ message: String) -> ConfigurationError {
            ConfigurationError(
                source: source, line: directive.line,
                message: directive.line == nil ? "--\(directive.key): \(message)" : "'\(directive.key)': \(message)")
        }
        func single() throws(ConfigurationError) -> String {
            guard arguments.count == 1 else { throw fail("expects one value, got \(arguments.count)") }
            return arguments[0]
        }
        func integer(_ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            let text = try single()
            guard let value = Int(text), range.contains(value) else {
                throw fail("'\(text)' is not an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        func bytes() throws(ConfigurationError) -> Int {
            let text = try single()
            guard let value = Self.parseByteSize(text) else { throw fail("'\(text)' is not a size (bytes, or 100kb, 64mb, 1gb)") }
            return value
        }
        func yesNo() throws(ConfigurationError) -> Bool {
            switch try single().lowercased() {
            case "yes": return true
            case "no": return false
            case let other: throw fail("'\(other)' is not yes or no")
            }
        }
        switch directive.key {
        case "dir":
            directory = try single()
            guard !directory.isEmpty else { throw fail("the directory is empty") }
        case "port": port = try integer(0...65_535)
        case "bind":
            let addresses = arguments.flatMap { $0.split(separator: " ").map(String.init) }
            guard !addresses.isEmpty else { throw fail("expects at least one address") }
            bindAddresses = addresses
        case "requirepass":
            let password = try single()
            requirePassword = password.isEmpty ? nil : password
        case "durability", "appendfsync":
            let text = try single()
            guard let value = Self.parseDurability(text) else { throw fail("'\(text)' is not always, interval[:MS] or none") }
            durability = value
        case "maxmemory": maxMemoryBytes = try bytes()
        case "protected-mode": protectedMode = try yesNo()
        case "maxclients": maxClients = try integer(1...1_000_000)
        case "timeout": idleTimeoutSeconds = try integer(0...Int(Int32.max))
        case "io-threads": ioThreads = try integer(1...128)
        case "search-threads": searchThreads = try integer(0...128)
        case "metrics-port":
            let value = try integer(0...65_535)
            metricsPort = value == 0 ? nil : value
        case "enable-debug-command": enableDebugCommand = try yesNo()
        case "proto-max-bulk-len":
            maxBulkLength = try bytes()
            guard maxBulkLength >= 1024 else { throw fail("must be at least 1kb") }
        case "client-query-buffer-limit":
            maxQueryBufferBytes = try bytes()
            guard maxQueryBufferBytes >= 1024 else { throw fail("must be at least 1kb") }
        case "client-output-buffer-limit":
            do { maxOutputBufferBytes = try Self.parseOutputBufferLimit(arguments) ?? maxOutputBufferBytes } catch {
                throw fail(error.reason)
            }
        case "log-level", "loglevel":
            let text = try single()
            guard let level = Self.parseLogLevel(text) else {
                throw fail("'\(text)' is not trace, debug, verbose, info, notice, warning, error or critical")
            }
            logLevel = level
        case "user":
            let user = try Self.parseUser(arguments, fail: fail)
            if user.name == "default" {
                guard !user.isReadOnly else { throw fail("the default user cannot be read-only") }
                requirePassword = user.password
                return
            }
            users.removeAll { $0.name == user.name }
            users.append(user)
        default:
            throw fail("unknown key")
        }
    }

    /// Why a `client-output-buffer-limit` value was refused.
    struct OutputBufferLimitError: Error {
        let reason: String
    }

    /// Parses `client-output-buffer-limit`: one size, or redis.conf's `CLASS HARD SOFT SECONDS`
    /// groups (the `normal` class's hard limit is used; `replica` and `pubsub` are accepted and
    /// ignored). 0 means no limit (`Int.max`); `nil` when no `normal` group is given.
    static func parseOutputBufferLimit(_ arguments: [String]) throws(OutputBufferLimitError) -> Int? {
        func size(_ text: String) throws(OutputBufferLimitError) -> Int {
            guard let value = parseByteSize(text) else { throw OutputBufferLimitError(reason: "'\(text)' is not a size") }
            return value == 0 ? Int.max : value
        }
        if arguments.count == 1 { return try size(arguments[0]) }
        guard arguments.count % 4 == 0, !arguments.isEmpty else {
            throw OutputBufferLimitError(reason: "expects a size, or CLASS HARD SOFT SECONDS")
        }
        var limit: Int?
        for start in stride(from: 0, to: arguments.count, by: 4) {
            let hard = try size(arguments[start + 1])
            _ = try size(arguments[start + 2])
            guard Int(arguments[start + 3]) != nil else {
                throw OutputBufferLimitError(reason: "'\(arguments[start + 3])' is not a number of seconds")
            }
            switch arguments[start].lowercased() {
            case "normal": limit = hard
            case "replica", "slave", "pubsub": break
            case let other: throw OutputBufferLimitError(reason: "unknown client class '\(other)'")
            }
        }
        return limit
    }

    /// A redis.conf size: bytes, or a number with `k`/`kb`/`m`/`mb`/`g`/`gb` (any case; `k` is
    /// 1000, `kb` 1024 as in Redis). `nil` for anything else or an overflow.
    static func parseByteSize(_ text: String) -> Int? {
        let lowered = text.lowercased()
        let units: [(String, Int)] = [
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1000), ("m", 1_000_000), ("g", 1_000_000_000), ("b", 1),
        ]
        var digits = Substring(lowered)
        var multiplier = 1
        for (suffix, factor) in units where lowered.hasSuffix(suffix) {
            digits = lowered.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// `always`, `interval` (1 s), `interval:MS`, `none`, or redis.conf's `everysec` / `no`.
    static func parseDurability(_ text: String) -> DatabaseConfiguration.Durability? {
        let lowered = text.lowercased()
        switch lowered {
        case "always": return .always
        case "interval", "everysec": return .interval(milliseconds: 1000)
        case "none", "no": return DatabaseConfiguration.Durability.none
        default:
            guard lowered.hasPrefix("interval:"), let milliseconds = Int(lowered.dropFirst("interval:".count)),
                (1...3_600_000).contains(milliseconds)
            else { return nil }
            return .interval(milliseconds: milliseconds)
        }
    }

    /// swift-log's level names, plus redis.conf's `verbose` (debug).
    static func parseLogLevel(_ text: String) -> Logger.Level? {
        let lowered = text.lowercased()
        if lowered == "verbose" { return .debug }
        return Logger.Level(rawValue: lowered)
    }

    /// `user NAME on >PASSWORD +@all` (or `+@read` for a read-only user). `~*`, `&*`, `allkeys`,
    /// `allchannels` and `allcommands` are accepted and change nothing; the user must be `on`.
    /// `user default on >PASSWORD +@all` sets ``requirePassword`` instead of adding a user.
    static func parseUser(_ arguments: [String], fail: (String) -> ConfigurationError) throws(ConfigurationError) -> ServerUser {
        guard let name = arguments.first, !name.isEmpty else { throw fail("expects NAME on >PASSWORD +@all|+@read") }
        var enabled: Bool?
        var password: String?
        var readOnly: Bool?
        for rule in arguments.dropFirst() {
            switch rule.lowercased() {
            case "on": enabled = true
            case "off": enabled = false
            case "+@all", "allcommands": readOnly = false
            case "+@read": readOnly = true
            case "~*", "allkeys", "&*", "allchannels", "resetchannels": break
            default:
                guard rule.hasPrefix(">"), rule.count > 1 else {
                    throw fail("unsupported rule '\(rule)' (use on, >PASSWORD, +@all or +@read)")
                }
                password = String(rule.dropFirst())
            }
        }
        guard enabled == true else { throw fail("user '\(name)' must be 'on'") }
        guard let password else { throw fail("user '\(name)' has no >PASSWORD") }
        guard let readOnly else { throw fail("user '\(name)' needs +@all or +@read") }
        return ServerUser(name: name, password: password, isReadOnly: readOnly)
    }
}
