internal import Quiver
internal import QuiverIndex

/// One parameter of `CONFIG GET`/`CONFIG SET`: its redis.conf name, how to read it, and, when
/// it may change while the server runs, how to parse and apply a new value.
struct ConfigParameter: Sendable {
    /// The lower-case redis.conf name.
    let name: String
    /// The value `CONFIG GET` prints.
    let get: @Sendable (Daemon) -> String
    /// Parses a value for `CONFIG SET` into the change to make; `nil` for an immutable
    /// parameter. The parse throws the reason after `CONFIG SET failed (...) - `.
    let parse: (@Sendable (String) throws(ConfigParameter.Failure) -> @Sendable (inout RuntimeSettings) -> Void)?

    /// Why a value was refused: the text after `CONFIG SET failed (possibly related to argument
    /// 'name') - `.
    struct Failure: Error {
        /// `argument couldn't be parsed into an integer`, ….
        let reason: String
    }

    // MARK: The table

    /// Every parameter quiverd knows, in redis.conf's spirit: the changeable ones first.
    static let all: [ConfigParameter] = [
        ConfigParameter(
            name: "requirepass", get: { daemon in daemon.settings.withLock { $0.requirePassword } ?? "" },
            parse: { value throws(Failure) in { $0.requirePassword = value.isEmpty ? nil : value } }),
        ConfigParameter(
            name: "maxclients", get: { daemon in "\(daemon.settings.withLock { $0.maxClients })" },
            parse: { value throws(Failure) in
                let number = try integer(value, in: 1...Int(UInt32.max))
                return { $0.maxClients = number }
            }),
        ConfigParameter(
            name: "timeout", get: { daemon in "\(daemon.settings.withLock { $0.idleTimeoutSeconds })" },
            parse: { value throws(Failure) in
                let number = try integer(value, in: 0...Int(Int32.max))
                return { $0.idleTimeoutSeconds = number }
            }),
        ConfigParameter(
            name: "maxmemory", get: { daemon in "\(daemon.settings.withLock { $0.maxMemoryBytes })" },
            parse: { value throws(Failure) in
                guard let bytes = memory(value) else { throw Failure(reason: "argument must be a memory value") }
                return { $0.maxMemoryBytes = bytes }
            }),
        ConfigParameter(
            name: "protected-mode", get: { daemon in daemon.settings.withLock { $0.protectedMode } ? "yes" : "no" },
            parse: { value throws(Failure) in
                let flag = try yesNo(value)
                return { $0.protectedMode = flag }
            }),
        ConfigParameter(
            name: "client-query-buffer-limit", get: { daemon in "\(daemon.settings.withLock { $0.maxQueryBufferBytes })" },
            parse: { value throws(Failure) in
                guard let bytes = memory(value) else { throw Failure(reason: "argument must be a memory value") }
                guard bytes >= 1024 else { throw Failure(reason: "argument must be at least 1kb") }
                return { $0.maxQueryBufferBytes = bytes }
            }),
        ConfigParameter(
            name: "client-output-buffer-limit",
            get: { daemon in
                let hard = daemon.settings.withLock { $0.maxOutputBufferBytes }
                return "normal \(hard == Int.max ? 0 : hard) 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
            },
            parse: { value throws(Failure) in
                let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                let limit: Int?
                do throws(ServerConfiguration.OutputBufferLimitError) {
                    limit = try ServerConfiguration.parseOutputBufferLimit(words)
                } catch {
                    throw Failure(reason: error.reason)
                }
                return { settings in if let limit { settings.maxOutputBufferBytes = limit } }
            }),
        immutable("port") { "\($0.configuration.port)" },
        immutable("bind") { $0.configuration.bindAddresses.joined(separator: " ") },
        immutable("dir") { $0.configuration.directory },
        immutable("save") { _ in "" },
        immutable("appendonly") { $0.configuration.durability == .none ? "no" : "yes" },
        immutable("appendfsync") {
            switch $0.configuration.durability {
            case .always: "always"
            case .interval: "everysec"
            case .none: "no"
            }
        },
        immutable("databases") { _ in "16" },
        immutable("maxmemory-policy") { _ in "noeviction" },
        immutable("proto-max-bulk-len") { "\($0.configuration.maxBulkLength)" },
        immutable("enable-debug-command") { $0.configuration.enableDebugCommand ? "yes" : "no" },
        immutable("io-threads") { "\($0.configuration.ioThreads)" },
        immutable("search-threads") { "\($0.configuration.searchThreads)" },
        immutable("daemonize") { _ in "no" },
        immutable("cluster-enabled") { _ in "no" },
    ]

    /// A parameter `CONFIG SET` refuses (`can't set immutable config`).
    static func immutable(_ name: String, _ get: @escaping @Sendable (Daemon) -> String) -> ConfigParameter {
        ConfigParameter(name: name, get: get, parse: nil)
    }

    /// The parameter named `name` (any case), if quiverd has it.
    static func named(_ name: String) -> ConfigParameter? {
        let lower = name.lowercased()
        return all.first { $0.name == lower }
    }

    // MARK: Value parsers

    /// A strict integer within `range`.
    static func integer(_ value: String, in range: ClosedRange<Int>) throws(Failure) -> Int {
        guard let number = CommandArguments.integer(Array(value.utf8)) else {
            throw Failure(reason: "argument couldn't be parsed into an integer")
        }
        guard number >= range.lowerBound, number <= range.upperBound else {
            throw Failure(reason: "argument must be between \(range.lowerBound) and \(range.upperBound) inclusive")
        }
        return Int(number)
    }

    /// `yes` or `no`, in any case.
    static func yesNo(_ value: String) throws(Failure) -> Bool {
        switch value.lowercased() {
        case "yes": return true
        case "no": return false
        default: throw Failure(reason: "argument must be 'yes' or 'no'")
        }
    }

    /// Redis's `memtoull`: digits then an optional unit, `b`, `k` (1000), `kb` (1024), `m`, `mb`,
    /// `g`, `gb`, in any case.
    static func memory(_ value: String) -> Int? {
        let lower = value.lowercased()
        let digits = lower.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let units: [String: Int] = [
            "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1_000_000, "mb": 1 << 20, "g": 1_000_000_000, "gb": 1 << 30,
        ]
        guard let unit = units[String(lower.dropFirst(digits.count))] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}
