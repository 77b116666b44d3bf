public import ArgumentParser
internal import Quiver
internal import Logging

/// `quiverd`: the command line of the server.
public struct QuiverdCommand: AsyncParsableCommand {
    /// The command's help.
    public static let configuration = CommandConfiguration(
        commandName: "quiverd",
        abstract: "A Redis-protocol server over Quiver: vector sets, strings, entities, notes and cache tables in one durable store.")

    @Option(name: .long, help: "Data directory (default: quiver-data).") var dir: String?
    @Option(name: .long, help: "TCP port (default: 6379).") var port: Int?
    @Option(name: .long, help: "Addresses to listen on, space-separated (default: 127.0.0.1).") var bind: String?
    @Option(name: .long, help: "Password of the default user.") var requirepass: String?
    @Option(name: .long, help: "always | interval | none (default: always).") var durability: String?
    @Option(name: .long, help: "Memory limit of the string keyspace in bytes (0: none).") var maxmemory: Int?

    /// Creates the command with no options set (ArgumentParser fills them).
    public init() {}

    /// Runs the server until it is stopped.
    public func run() async throws {
        var configuration = ServerConfiguration()
        if let dir { configuration.directory = dir }
        if let port { configuration.port = port }
        if let bind { configuration.bindAddresses = bind.split(separator: " ").map(String.init) }
        configuration.requirePassword = requirepass
        if let durability {
            switch durability {
            case "always": configuration.durability = .always
            case "interval", "everysec": configuration.durability = .interval(milliseconds: 1000)
            case "none", "no": configuration.durability = .none
            default: throw ValidationError("--durability must be always, interval or none")
            }
        }
        if let maxmemory { configuration.maxMemoryBytes = maxmemory }
        let daemon = try Daemon(configuration: configuration)
        try await daemon.start()
        await daemon.waitUntilStopped()
        await daemon.shutdownEventLoops()
    }
}
