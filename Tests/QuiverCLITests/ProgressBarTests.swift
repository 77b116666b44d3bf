import Testing
import QuiverCLI

@Suite struct ProgressBarTests {
    @Test func showsPercentRateAndETA() {
        let line = ProgressBar.render(label: "building", done: 250, total: 1000, elapsed: .seconds(5))
        #expect(line.hasPrefix("building [#######"))
        #expect(line.contains(" 25%"))
        #expect(line.contains("50 vectors/s"))
        #expect(line.contains("ETA 0:15"))
    }

    @Test func unknownRateHasNoETA() {
        #expect(ProgressBar.render(label: "b", done: 0, total: 10, elapsed: .zero).contains("ETA --:--"))
    }

    @Test func disabledBarIgnoresUpdates() {
        let bar = ProgressBar(total: 10, label: "b", enabled: false)
        bar.update(5)
        bar.finish()
    }
}
