import Testing

@testable import QuiverServer

@Suite struct PrometheusExpositionTests {
    @Test func familiesAndSamples() {
        var out = PrometheusExposition()
        out.single("up", type: "gauge", help: "Whether it is up.", 1)
        out.family("calls_total", type: "counter", help: "Calls.")
        out.sample("calls_total", [("command", "get")], 3)
        out.sample("calls_total", [("command", "a\"b\\c\nd")], 0.5)
        #expect(
            out.text == """
                # HELP up Whether it is up.
                # TYPE up gauge
                up 1
                # HELP calls_total Calls.
                # TYPE calls_total counter
                calls_total{command="get"} 3
                calls_total{command="a\\"b\\\\c\\nd"} 0.5

                """)
    }

    @Test func histogramsAreCumulative() {
        var out = PrometheusExposition()
        out.histogram("t", [("c", "x")], bounds: [0.001, 0.5], counts: [2, 0, 1], sum: 1.75)
        #expect(
            out.text == """
                t_bucket{c="x",le="0.001"} 2
                t_bucket{c="x",le="0.5"} 2
                t_bucket{c="x",le="+Inf"} 3
                t_sum{c="x"} 1.75
                t_count{c="x"} 3

                """)
    }

    @Test func values() {
        #expect(PrometheusExposition.format(.nan) == "NaN")
        #expect(PrometheusExposition.format(.infinity) == "+Inf")
        #expect(PrometheusExposition.format(-.infinity) == "-Inf")
        #expect(PrometheusExposition.format(42) == "42")
        #expect(PrometheusExposition.format(1e-05) == "1e-05")
    }
}
