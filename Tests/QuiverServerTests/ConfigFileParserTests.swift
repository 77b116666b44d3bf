import Testing

@testable import QuiverServer

@Suite struct ConfigFileParserTests {
    private let parser = ConfigFileParser(source: "q.conf")

    @Test func skipsCommentsAndBlankLinesAndKeepsLineNumbers() throws {
        let directives = try parser.parse("# header\n\nport 7000\n   # indented comment\n\tmaxmemory   1gb \nbind a b\n")
        #expect(
            directives == [
                ConfigDirective(key: "port", arguments: ["7000"], line: 3),
                ConfigDirective(key: "maxmemory", arguments: ["1gb"], line: 5),
                ConfigDirective(key: "bind", arguments: ["a", "b"], line: 6),
            ])
    }

    @Test func keysAreLowerCased() throws {
        #expect(try parser.parse("MaxClients 5").first?.key == "maxclients")
    }

    @Test(arguments: [
        ("requirepass \"pass word\"", ["pass word"]),
        ("requirepass 'it\\'s'", ["it's"]),
        ("requirepass \"a\\\"b\\\\c\\n\"", ["a\"b\\c\n"]),
        ("requirepass \"\\x41\\x62\"", ["Ab"]),
        ("bind \"127.0.0.1 ::1\"", ["127.0.0.1 ::1"]),
        ("requirepass \"\"", [""]),
        ("requirepass 'a\\nb'", ["a\\nb"]),
    ])
    func quotes(line: String, arguments: [String]) throws {
        #expect(try parser.parse(line).first?.arguments == arguments)
    }

    @Test(arguments: ["port 1\nrequirepass \"open", "port 1\nrequirepass 'open", "port 1\nrequirepass \"a\"b"])
    func quoteErrorsNameTheLine(text: String) {
        #expect {
            _ = try parser.parse(text)
        } throws: { error in
            (error as? ConfigurationError)?.line == 2 && "\(error)".hasPrefix("q.conf:2: ")
        }
    }

    @Test func windowsLineEndsAreSpaces() throws {
        #expect(try parser.parse("port 1\r\nmaxclients 2\r\n").map(\.arguments) == [["1"], ["2"]])
    }
}
