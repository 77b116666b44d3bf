import Testing

@testable import QuiverServer

@Suite struct KeyExpireOptionsTests {
    private func parse(_ options: String) throws(CommandError) -> KeyExpireOptions {
        try KeyExpireOptions(parsing: ("EXPIRE k 10 " + options).split(separator: " ").map { Array($0.utf8) })
    }

    @Test func errorsAsRedis() {
        #expect(throws: CommandError.err("Unsupported option FOO")) { try parse("FOO") }
        #expect(throws: CommandError.err("Unsupported option 1")) { try parse("NX 1") }
        let nx = CommandError.err("NX and XX, GT or LT options at the same time are not compatible")
        for options in ["NX XX", "NX GT", "LT NX", "xx nx"] { #expect(throws: nx, "\(options)") { try parse(options) } }
        #expect(throws: CommandError.err("GT and LT options at the same time are not compatible")) {
            try parse("GT LT")
        }
    }

    @Test func conditions() throws {
        #expect(try parse("").allows(5, replacing: nil))
        #expect(try parse("NX").allows(5, replacing: nil))
        #expect(try !parse("NX").allows(5, replacing: 9))
        #expect(try !parse("XX").allows(5, replacing: nil))
        #expect(try parse("XX").allows(5, replacing: 9))
        #expect(try !parse("GT").allows(5, replacing: nil), "no TTL is infinitely late")
        #expect(try !parse("GT").allows(5, replacing: 5))
        #expect(try parse("GT").allows(6, replacing: 5))
        #expect(try parse("LT").allows(5, replacing: nil))
        #expect(try !parse("LT").allows(5, replacing: 5))
        #expect(try parse("LT").allows(4, replacing: 5))
        #expect(try parse("XX GT").allows(6, replacing: 5))
        #expect(try parse("gt xx").allows(6, replacing: 5))
    }

    @Test func deadlines() throws {
        #expect(try KeyExpireOptions.deadline(Array("10".utf8), unit: 1000, base: 5, command: "expire") == 10_005)
        #expect(try KeyExpireOptions.deadline(Array("-10".utf8), unit: 1, base: 5, command: "pexpire") == -5)
        let invalid = CommandError.err("invalid expire time in 'expire' command")
        #expect(throws: invalid) {
            try KeyExpireOptions.deadline(Array("9223372036854776".utf8), unit: 1000, base: 0, command: "expire")
        }
        #expect(throws: invalid) {
            try KeyExpireOptions.deadline(Array("-9223372036854776".utf8), unit: 1000, base: 0, command: "expire")
        }
        #expect(throws: invalid) {
            try KeyExpireOptions.deadline(Array("9223372036854775807".utf8), unit: 1, base: 1, command: "expire")
        }
        #expect(throws: CommandError.notInteger) {
            try KeyExpireOptions.deadline(Array("1.5".utf8), unit: 1, base: 1, command: "expire")
        }
    }
}
