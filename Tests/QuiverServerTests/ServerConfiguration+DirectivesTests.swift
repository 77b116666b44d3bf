import Logging
import NIOCore
import Quiver
import Testing

@testable import QuiverServer

@Suite struct ServerConfigurationDirectivesTests {
    private func configuration(_ text: String) throws -> ServerConfiguration {
        try ServerConfiguration.resolve(file: (path: "q.conf", text: text), commandLine: [])
    }

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try configuration(text)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func defaultsAreRedisLike() {
        let defaults = ServerConfiguration()
        #expect(defaults.directory == "quiver-data")
        #expect(defaults.bindAddresses == ["127.0.0.1"])
        #expect(defaults.port == 6379)
        #expect(defaults.protectedMode)
        #expect(defaults.maxClients == 10_000)
        #expect(defaults.idleTimeoutSeconds == 0)
        #expect(defaults.maxBulkLength == 512 << 20)
        #expect(defaults.maxQueryBufferBytes == 1 << 30)
        #expect(defaults.maxOutputBufferBytes == 256 << 20)
        #expect(defaults.metricsPort == nil)
        #expect(defaults.logLevel == .info)
        #expect(defaults.ioThreads == ServerConfiguration.defaultIOThreads(cores: System.coreCount))
        #expect(defaults.searchThreads == ServerConfiguration.defaultSearchThreads(cores: System.coreCount))
    }

    @Test func searchThreadsDefaultIsEveryCoreAboveTwo() {
        #expect([1, 2, 3, 4, 16, 64].map(ServerConfiguration.defaultSearchThreads(cores:)) == [0, 0, 3, 4, 16, 32])
    }

    @Test func ioThreadsDefaultLeavesTwoCoresAndStaysWithinOneToEight() {
        #expect([1, 2, 3, 4, 8, 10, 16, 64].map(ServerConfiguration.defaultIOThreads(cores:)) == [1, 1, 1, 2, 6, 8, 8, 8])
    }

    @Test func everyKeyIsApplied() throws {
        let c = try configuration(
            """
            dir /var/lib/quiver
            port 7000
            bind 127.0.0.1 ::1
            requirepass secret
            durability interval:250
            maxmemory 100mb
            protected-mode no
            maxclients 50
            timeout 300
            io-threads 3
            search-threads 0
            metrics-port 9121
            enable-debug-command yes
            proto-max-bulk-len 1mb
            client-query-buffer-limit 64mb
            client-output-buffer-limit normal 32mb 16mb 60
            loglevel warning
            user reader on >rpw ~* +@read
            user writer on >wpw allkeys +@all
            """)
        #expect(c.directory == "/var/lib/quiver")
        #expect(c.port == 7000)
        #expect(c.bindAddresses == ["127.0.0.1", "::1"])
        #expect(c.requirePassword == "secret")
        #expect(c.durability == .interval(milliseconds: 250))
        #expect(c.maxMemoryBytes == 100 << 20)
        #expect(!c.protectedMode)
        #expect(c.maxClients == 50)
        #expect(c.idleTimeoutSeconds == 300)
        #expect(c.ioThreads == 3)
        #expect(c.searchThreads == 0)
        #expect(c.metricsPort == 9121)
        #expect(c.enableDebugCommand)
        #expect(c.maxBulkLength == 1 << 20)
        #expect(c.maxQueryBufferBytes == 64 << 20)
        #expect(c.maxOutputBufferBytes == 32 << 20)
        #expect(c.logLevel == .warning)
        #expect(
            c.users == [
                ServerUser(name: "reader", password: "rpw", isReadOnly: true),
                ServerUser(name: "writer", password: "wpw", isReadOnly: false),
            ])
    }

    @Test(arguments: [
        ("0", 0), ("1024", 1024), ("1k", 1000), ("1kb", 1024), ("100mb", 100 << 20), ("1gb", 1 << 30), ("2G", 2_000_000_000),
        ("3MB", 3 << 20), ("5m", 5_000_000), ("7b", 7),
    ])
    func byteSizes(text: String, bytes: Int) {
        #expect(ServerConfiguration.parseByteSize(text) == bytes)
    }

    @Test(arguments: ["", "mb", "-1", "1.5gb", "1tb", "ten", "99999999999999999999", "9999999999999gb", " 1"])
    func badByteSizes(text: String) {
        #expect(ServerConfiguration.parseByteSize(text) == nil)
    }

    @Test func durabilitySpellings() {
        #expect(ServerConfiguration.parseDurability("always") == .always)
        #expect(ServerConfiguration.parseDurability("everysec") == .interval(milliseconds: 1000))
        #expect(ServerConfiguration.parseDurability("interval") == .interval(milliseconds: 1000))
        #expect(ServerConfiguration.parseDurability("interval:200") == .interval(milliseconds: 200))
        #expect(ServerConfiguration.parseDurability("no") == DatabaseConfiguration.Durability.none)
        #expect(ServerConfiguration.parseDurability("interval:0") == nil)
        #expect(ServerConfiguration.parseDurability("sometimes") == nil)
    }

    @Test func logLevels() {
        #expect(ServerConfiguration.parseLogLevel("verbose") == .debug)
        #expect(ServerConfiguration.parseLogLevel("NOTICE") == .notice)
        #expect(ServerConfiguration.parseLogLevel("loud") == nil)
    }

    @Test func outputBufferLimitZeroMeansNone() throws {
        #expect(try configuration("client-output-buffer-limit 0").maxOutputBufferBytes == Int.max)
        #expect(try configuration("client-output-buffer-limit 4mb").maxOutputBufferBytes == 4 << 20)
        let redisStyle = "client-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"
        #expect(try configuration(redisStyle).maxOutputBufferBytes == Int.max)
    }

    @Test func defaultUserLineSetsTheRequiredPassword() throws {
        let c = try configuration("user default on >pw +@all")
        #expect(c.requirePassword == "pw")
        #expect(c.users.isEmpty)
    }

    @Test func laterLinesWin() throws {
        let c = try configuration("port 1\nport 2\nuser a on >x +@all\nuser a on >y +@read")
        #expect(c.port == 2)
        #expect(c.users == [ServerUser(name: "a", password: "y", isReadOnly: true)])
    }

    @Test(arguments: [
        ("port 1\nfrobnicate yes", 2, "unknown key"),
        ("port seventy", 1, "not an integer"),
        ("port 70000", 1, "not an integer in 0...65535"),
        ("port 1 2", 1, "expects one value, got 2"),
        ("\n\nmaxmemory lots", 3, "not a size"),
        ("protected-mode maybe", 1, "not yes or no"),
        ("durability sometimes", 1, "always, interval"),
        ("maxclients 0", 1, "not an integer"),
        ("timeout -1", 1, "not an integer"),
        ("search-threads 129", 1, "not an integer in 0...128"),
        ("loglevel loud", 1, "is not trace"),
        ("bind", 1, "at least one address"),
        ("proto-max-bulk-len 10", 1, "at least 1kb"),
        ("client-output-buffer-limit normal 1mb", 1, "CLASS HARD SOFT SECONDS"),
        ("client-output-buffer-limit vip 1mb 1mb 0", 1, "unknown client class"),
        ("user", 1, "expects NAME"),
        ("user bob >pw +@all", 1, "must be 'on'"),
        ("user bob on +@all", 1, "no >PASSWORD"),
        ("user bob on >pw", 1, "+@all or +@read"),
        ("user bob on >pw +@all -@dangerous", 1, "unsupported rule '-@dangerous'"),
        ("user default on >pw +@read", 1, "cannot be read-only"),
    ])
    func errorsNameFileLineAndKey(text: String, line: Int, words: String) throws {
        let failure = try #require(error(text))
        #expect(failure.source == "q.conf")
        #expect(failure.line == line)
        #expect("\(failure)".hasPrefix("q.conf:\(line): "))
        #expect("\(failure)".contains(words), "\(failure)")
    }

    @Test func commandLineOverridesTheFile() throws {
        let c = try ServerConfiguration.resolve(
            file: (path: "q.conf", text: "port 1\nmaxclients 5\ndir a"),
            commandLine: [ConfigDirective(key: "port", arguments: ["2"]), ConfigDirective(key: "dir", arguments: ["b"])])
        #expect(c.port == 2)
        #expect(c.directory == "b")
        #expect(c.maxClients == 5)
    }

    @Test func commandLineErrorsNameTheOption() {
        #expect {
            _ = try ServerConfiguration.resolve(file: nil, commandLine: [ConfigDirective(key: "maxmemory", arguments: ["x"])])
        } throws: { error in
            "\(error)".hasPrefix("command line: --maxmemory: ")
        }
    }
}
