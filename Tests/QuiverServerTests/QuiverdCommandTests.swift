import ArgumentParser
import Logging
import Quiver
import Testing

@testable import QuiverServer

@Suite struct QuiverdCommandTests {
    @Test func noArgumentsIsTheDefaultConfiguration() throws {
        let configuration = try QuiverdCommand.parse([]).resolveConfiguration()
        #expect(configuration.directory == "quiver-data")
        #expect(configuration.bindAddresses == ["127.0.0.1"])
        #expect(configuration.port == 6379)
        #expect(configuration.durability == .always)
    }

    @Test func everyOptionReachesTheConfiguration() throws {
        let command = try QuiverdCommand.parse([
            "--dir", "d", "--port", "7000", "--bind", "127.0.0.1 ::1", "--requirepass", "pw", "--durability", "none",
            "--maxmemory", "1gb", "--protected-mode", "no", "--maxclients", "7", "--timeout", "9", "--metrics-port", "9100",
            "--enable-debug-command", "--proto-max-bulk-len", "2mb", "--client-query-buffer-limit", "3mb",
            "--client-output-buffer-limit", "4mb", "--log-level", "debug",
        ])
        let c = try command.resolveConfiguration()
        #expect(c.directory == "d")
        #expect(c.port == 7000)
        #expect(c.bindAddresses == ["127.0.0.1", "::1"])
        #expect(c.requirePassword == "pw")
        #expect(c.durability == .none)
        #expect(c.maxMemoryBytes == 1 << 30)
        #expect(!c.protectedMode)
        #expect(c.maxClients == 7)
        #expect(c.idleTimeoutSeconds == 9)
        #expect(c.metricsPort == 9100)
        #expect(c.enableDebugCommand)
        #expect(c.maxBulkLength == 2 << 20)
        #expect(c.maxQueryBufferBytes == 3 << 20)
        #expect(c.maxOutputBufferBytes == 4 << 20)
        #expect(c.logLevel == .debug)
    }

    @Test func badValuesNameTheOption() throws {
        let command = try QuiverdCommand.parse(["--port", "many"])
        #expect {
            _ = try command.resolveConfiguration()
        } throws: { error in
            "\(error)".contains("--port")
        }
    }
}
