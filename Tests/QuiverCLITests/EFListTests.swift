import Testing
import QuiverCLI

@Suite struct EFListTests {
    @Test func parsesCommaSeparatedValues() {
        #expect(EFList(argument: "10,20,40")?.values == [10, 20, 40])
        #expect(EFList(argument: " 8 , 16 ")?.values == [8, 16])
        #expect(EFList(argument: "64")?.values == [64])
        #expect(EFList.standard.description == "10,20,40,80,160,320")
    }

    @Test(arguments: ["", ",", "10,", "10,,20", "a", "0", "-5", "100001", "1.5"])
    func rejectsInvalidLists(_ text: String) {
        #expect(EFList(argument: text) == nil)
    }
}
