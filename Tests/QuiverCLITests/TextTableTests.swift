import Testing
import QuiverCLI

@Suite struct TextTableTests {
    @Test func alignsColumns() {
        var table = TextTable(header: ["system", "qps"])
        table.append(["quiver", "12.5"])
        table.append(["faiss", "1000.0"])
        #expect(table.rendered() == """
            system     qps
            quiver    12.5
            faiss   1000.0
            """)
    }
}
