package import ArgumentParser
package import QuiverIndex

/// Options that shape the HNSW index: `--m`, `--ef-construction`, `--quantization`.
package struct HNSWOptions: ParsableArguments, Sendable {
    @Option(help: "Neighbours per node on upper layers (twice as many on the bottom layer), 2...128.")
    package var m: Int = 16

    @Option(help: "Candidate-list size while inserting, 1...100000.")
    package var efConstruction: Int = 200

    @Option(help: "How vectors are stored for search: f32, f16, i8 or binary (quantized ones are re-ranked exactly).")
    package var quantization: QuantizationOption = .f32

    /// Creates the defaults.
    package init() {}

    package func validate() throws {
        guard (2...128).contains(m) else { throw ValidationError("--m must be in 2...128, got \(m)") }
        guard (1...100_000).contains(efConstruction) else {
            throw ValidationError("--ef-construction must be in 1...100000, got \(efConstruction)")
        }
    }

    /// The index configuration for vectors of `dimension` under `metric`.
    package func configuration(dimension: Int, metric: Metric) -> HNSWConfiguration {
        var configuration = HNSWConfiguration(dimension: dimension, metric: metric)
        configuration.m = m
        configuration.efConstruction = efConstruction
        configuration.encoding = quantization.encoding
        return configuration
    }
}
