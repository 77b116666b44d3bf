public import ArgumentParser
internal import Quiver
internal import Logging

/// `quiverd`: the command line of the server.
///
/// Every option has a config-file key of the same name (`--maxmemory 1gb` is `maxmemory 1gb`);
/// options override the file given with `--config`. Exit status 0 after a clean stop (`SHUTDOWN`,
/// SIGTERM, SIGINT), 1 when the configuration is bad or the server cannot start.
public struct QuiverdCommand: AsyncParsableCommand {
    /// The command's help.
    public static let configuration = CommandConfiguration(
        commandName: "quiverd",
        abstract: "A Redis-protocol server over Quiver: vector sets, strings, entities, notes and cache tables in one durable store.",
        discussion: "With no options it serves ./quiver-data on 127.0.0.1:6379. See docs/operations.md.")

    @Option(name: .long, help: "A redis.conf-style file of the same keys as these options (options override it).")
    var config: String?
    @Option(name: .long, help: "Data directory (default: quiver-data).") var dir: String?
    @Option(name: .long, help: "TCP port (default: 6379).") var port: String?
    @Option(name: .long, help: "Addresses to listen on, space-separated (default: 127.0.0.1).") var bind: String?
    @Option(name: .long, help: "Password of the default user (default: none).") var requirepass: String?
    @Option(name: .long, help: "always | interval[:MS] | none (default: always).") var durability: String?
    @Option(name: .long, help: "Memory limit of the string keyspace: bytes or 100mb, 1gb (default: 0, none).")
    var maxmemory: String?
    @Option(name: .customLong("protected-mode"), help: "yes | no: refuse non-loopback clients while no password is set (default: yes).")
    var protectedMode: String?
    @Option(name: .long, help: "Most clients at once (default: 10000).") var maxclients: String?
    @Option(name: .customLong("io-threads"), help: "Event-loop threads serving clients (default: cores minus 2, 1 to 8).")
    var ioThreads: String?
    @Option(name: .customLong("search-threads"), help: "Threads VSIM searches run on; 0 for the event loops (default: the cores, at most 32, when more than 2; else 0).")
    var searchThreads: String?
    @Option(name: .long, help: "Seconds before an idle client is disconnected; 0 for never (default: 0).") var timeout: String?
    @Option(name: .customLong("metrics-port"), help: "HTTP port for /metrics, /health/live and /health/ready (default: none).")
    var metricsPort: String?
    @Flag(name: .customLong("enable-debug-command"), help: "Accept the DEBUG command.") var enableDebugCommand = false
    @Option(name: .customLong("proto-max-bulk-len"), help: "Longest bulk argument (default: 512mb).") var protoMaxBulkLen: String?
    @Option(name: .customLong("client-query-buffer-limit"), help: "Unparsed input held per client (default: 1gb).")
    var clientQueryBufferLimit: String?
    @Option(name: .customLong("client-output-buffer-limit"), help: "Unsent output per client before it is disconnected (default: 256mb).")
    var clientOutputBufferLimit: String?
    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error | critical (default: info).")
    var logLevel: String?

    /// Creates the command with no options set (ArgumentParser fills them).
    public init() {}

    /// The options given, as directives in a fixed order.
    var directives: [ConfigDirective] {
        let options: [(String, String?)] = [
            ("dir", dir), ("port", port), ("bind", bind), ("requirepass", requirepass), ("durability", durability),
            ("maxmemory", maxmemory), ("protected-mode", protectedMode), ("maxclients", maxclients), ("timeout", timeout), ("io-threads", ioThreads), ("search-threads", searchThreads),
            ("metrics-port", metricsPort), ("proto-max-bulk-len", protoMaxBulkLen),
            ("client-query-buffer-limit", clientQueryBufferLimit), ("client-output-buffer-limit", clientOutputBufferLimit),
            ("log-level", logLevel), ("enable-debug-command", enableDebugCommand ? "yes" : nil),
        ]
        return options.compactMap { key, value in value.map { ConfigDirective(key: key, arguments: [$0]) } }
    }

    /// The configuration the options and the config file give.
    ///
    /// - Throws: ``ConfigurationError`` naming the file and line, or the option.
    func resolveConfiguration() throws(ConfigurationError) -> ServerConfiguration {
        let file = try config.map { path throws(ConfigurationError) in (path: path, text: try ServerConfiguration.readFile(at: path)) }
        return try ServerConfiguration.resolve(file: file, commandLine: directives)
    }

    /// Runs the server until `SHUTDOWN`, SIGTERM or SIGINT stops it.
    public func run() async throws { try await run(allocator: "libc") }

    /// Runs the server like ``run()``, reporting `allocator` as the process's memory allocator.
    public func run(allocator: String) async throws {
        var configuration = try resolveConfiguration()
        configuration.allocator = allocator
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "quiverd")
        logger.info(
            "starting",
            metadata: [
                "dir": "\(configuration.directory)", "port": "\(configuration.port)",
                "bind": "\(configuration.bindAddresses.joined(separator: " "))", "durability": "\(configuration.durability)",
                "config": "\(config ?? "none")", "allocator": "\(allocator)",
            ])
        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration, logger: logger)
        } catch {
            logger.critical("cannot open the data directory", metadata: ["dir": "\(configuration.directory)", "error": "\(error)"])
            throw ExitCode.failure
        }
        let signals = TerminationSignals(daemon: daemon)
        do {
            try await daemon.start()
        } catch {
            logger.critical("cannot listen", metadata: ["port": "\(configuration.port)", "error": "\(error)"])
            await daemon.stop()
            await daemon.shutdownEventLoops()
            throw ExitCode.failure
        }
        await daemon.waitUntilStopped()
        signals.cancel()
        await daemon.shutdownEventLoops()
    }
}
