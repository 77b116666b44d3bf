import NIOCore
import Quiver
import QuiverRESP
import QuiverTestSupport
import Testing

@testable import QuiverServer

#if canImport(Glibc)
import Glibc
#endif

/// A daemon over a fresh temporary directory, driven in process: commands go through the
/// connection handler's dispatch (arity, subcommands), not a socket.
final class DaemonHarness {
    let daemon: Daemon
    let handler: ConnectionHandler

    init(directory: String, maxMemory: Int = 0) throws {
        var configuration = ServerConfiguration()
        configuration.directory = directory
        configuration.durability = .none
        configuration.maxMemoryBytes = maxMemory
        daemon = try Daemon(configuration: configuration)
        let state = ConnectionState(id: 1, address: "test", isLoopback: true, connectedAt: 0, lastInteraction: 0)
        handler = ConnectionHandler(daemon: daemon, state: state, allocator: ByteBufferAllocator())
        handler.state.user = "default"
    }

    /// Runs one command given as separate arguments.
    @discardableResult
    func run(_ arguments: [[UInt8]]) -> Result<RESPValue, CommandError> {
        guard let spec = CommandTable.lookUp(arguments[0]) else { return .failure(.err("unknown command")) }
        return handler.dispatchAlone(spec, arguments).reply
    }

    /// Runs one command given as text arguments.
    @discardableResult
    func run(_ arguments: String...) -> Result<RESPValue, CommandError> { run(arguments.map { Array($0.utf8) }) }

    /// The reply, or the error text prefixed with `-`, as one comparable string.
    func reply(_ arguments: String...) -> String { Self.describe(run(arguments.map { Array($0.utf8) })) }

    static func describe(_ result: Result<RESPValue, CommandError>) -> String {
        switch result {
        case .success(let value): describe(value)
        case .failure(let error): "-" + error.text
        }
    }

    static func describe(_ value: RESPValue) -> String {
        switch value {
        case .simpleString(let text): "+" + text
        case .integer(let number): ":\(number)"
        case .bulkString(let buffer): "$" + String(decoding: buffer.readableBytesView, as: UTF8.self)
        case .nullBulkString, .null: "nil"
        case .array(let elements): "[" + elements.map(describe).joined(separator: ",") + "]"
        default: "\(value)"
        }
    }

    /// Makes `key` of logical database `db` a vector set of 3-dimensional vectors holding
    /// `elements` (name → vector), as `VADD` would.
    func makeVectorSet(_ key: String, db: Int = 0, elements: [(String, [Float])] = [("a", [1, 0, 0])]) throws {
        let (uid, collection) = daemon.vectorSets.reserve(db)
        let info = VectorSetInfo(
            collection: collection, quantization: .noquant, m: 16, dimension: 3, projectionInputDimension: 0, uid: uid)
        var batch = WriteBatch()
        VectorSetRegistry.creation(db, Key(key), info, into: &batch)
        for (name, vector) in elements {
            batch.upsert(Key(name), vector: vector, attributes: Array("{\"n\":1}".utf8), in: collection)
        }
        try daemon.database.engine.write(batch)
        daemon.vectorSets.didCreate(db, Key(key), info)
    }

    func close() async {
        await daemon.stop()
        await daemon.shutdownEventLoops()
    }
}

/// Runs `body` with a harness over a fresh directory.
func withHarness(maxMemory: Int = 0, _ body: (DaemonHarness) async throws -> Void) async throws {
    var template = Array("/tmp/quiverd-unit-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    try #require(made != nil)
    let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let harness = try DaemonHarness(directory: path + "/data", maxMemory: maxMemory)
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}

@Suite struct KeyspaceContextTests {
    @Test func maxmemoryRefusesGrowingWritesOnceTheStringsHoldMore() async throws {
        try await withHarness(maxMemory: 1000) { h in
            #expect(h.reply("SET", "a", String(repeating: "x", count: 600)) == "+OK")
            #expect(h.reply("SET", "b", String(repeating: "x", count: 600)) == "+OK")
            let oom = "-OOM command not allowed when used memory > 'maxmemory'."
            for command in [
                ["SET", "c", "1"], ["SETNX", "c", "1"], ["APPEND", "a", "x"], ["INCR", "n"], ["MSET", "c", "1"],
                ["SETEX", "c", "10", "1"], ["GETSET", "a", "1"], ["INCRBYFLOAT", "f", "1"],
            ] {
                #expect(HarnessReply.of(h, command) == oom, "\(command)")
            }
            // Reads and deletes still work, and free memory.
            #expect(h.reply("GET", "c") == "nil")
            #expect(h.reply("DEL", "a") == ":1")
            #expect(h.reply("SET", "c", "1") == "+OK")
        }
    }

    @Test func updateLeavesEverythingAsItWasWhenTheBodyFails() async throws {
        try await withHarness { h in
            #expect(h.reply("SET", "k", "abc", "EX", "100") == "+OK")
            #expect(h.reply("INCR", "k") == "-ERR value is not an integer or out of range")
            #expect(h.reply("GET", "k") == "$abc")
            #expect(h.reply("TTL", "k") == ":100")
        }
    }
}

enum HarnessReply {
    static func of(_ harness: DaemonHarness, _ arguments: [String]) -> String {
        DaemonHarness.describe(harness.run(arguments.map { Array($0.utf8) }))
    }
}
