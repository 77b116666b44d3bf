import Testing

@testable import QuiverServer

@Suite struct StringSetOptionsTests {
    private func parse(
        _ text: String, _ grammar: StringSetOptions.Grammar = .set
    ) throws(CommandError) -> StringSetOptions {
        try StringSetOptions(parsing: text.split(separator: " ").map { Array($0.utf8) }, grammar: grammar)
    }

    @Test(arguments: [
        "SET k v NX", "SET k v XX", "SET k v GET", "SET k v NX GET", "SET k v XX GET", "SET k v KEEPTTL",
        "SET k v EX 10", "SET k v px 10", "SET k v exat 10", "SET k v PXAT 10", "SET k v EX 1 EX 2", "SET k v NX NX",
        "SET k v GET GET", "SET k v KEEPTTL KEEPTTL", "SET k v get nx ex 5", "SET k v XX KEEPTTL GET",
    ])
    func acceptsWhatRedisAccepts(command: String) throws {
        _ = try parse(command)
    }

    @Test(arguments: [
        "SET k v NX XX", "SET k v XX NX", "SET k v EX", "SET k v EX 1 PX 1", "SET k v PX 1 EXAT 1",
        "SET k v EX 1 KEEPTTL",
        "SET k v KEEPTTL PX 1", "SET k v PERSIST", "SET k v FOO", "SET k v NXX", "SET k v EXAT 1 PXAT 1", "SET k v 10",
    ])
    func refusesWhatRedisRefuses(command: String) {
        #expect(throws: CommandError.syntax) { try parse(command) }
    }

    @Test func getexGrammar() throws {
        #expect(try parse("GETEX k PERSIST", .getex).persist)
        #expect(try parse("GETEX k EX 5", .getex).expiry?.unit == .seconds)
        for bad in [
            "GETEX k NX", "GETEX k GET", "GETEX k KEEPTTL", "GETEX k EX 1 PERSIST", "GETEX k PERSIST EX 1",
            "GETEX k EX",
        ] {
            #expect(throws: CommandError.syntax, "\(bad)") { try parse(bad, .getex) }
        }
    }

    @Test func lastRepeatedExpiryWins() throws {
        let options = try parse("SET k v EX 1 EX 2")
        #expect(options.expiry?.argument == 6)
    }

    @Test func deadlines() throws {
        let now: Int64 = 1_700_000_000_000
        #expect(
            try StringSetOptions.deadline(Array("10".utf8), unit: .seconds, now: now, command: "set") == now + 10_000)
        #expect(
            try StringSetOptions.deadline(Array("10".utf8), unit: .milliseconds, now: now, command: "set") == now + 10)
        #expect(try StringSetOptions.deadline(Array("10".utf8), unit: .unixSeconds, now: now, command: "set") == 10_000)
        #expect(try StringSetOptions.deadline(Array("1".utf8), unit: .unixMilliseconds, now: now, command: "set") == 1)
        let invalid = CommandError.err("invalid expire time in 'setex' command")
        for (text, unit) in [
            ("0", StringSetOptions.ExpiryUnit.seconds), ("-1", .milliseconds), ("9223372036854775", .seconds),
            ("9223372036854775807", .milliseconds), ("9223372036854776", .unixSeconds),
        ] {
            #expect(throws: invalid, "\(text)") {
                try StringSetOptions.deadline(Array(text.utf8), unit: unit, now: now, command: "setex")
            }
        }
        for text in ["1.5", "abc", "", " 1", "+1", "01"] {
            #expect(throws: CommandError.notInteger) {
                try StringSetOptions.deadline(Array(text.utf8), unit: .seconds, now: now, command: "set")
            }
        }
        #expect(
            try StringSetOptions.deadline(
                Array("9223372036854775807".utf8), unit: .unixMilliseconds, now: now, command: "set") == .max - 1)
    }
}
