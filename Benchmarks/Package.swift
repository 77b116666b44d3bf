// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that the library never depends on package-benchmark.
// Run from this folder: `swift package benchmark` (see docs/benchmarks.md).
let package = Package(
    name: "QuiverBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Quiver", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MARK: Suites

        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "QuiverKernels", package: "Quiver"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "QuiverEngine", package: "Quiver"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "MetadataBenchmarks",
            dependencies: [
                .product(name: "Quiver", package: "Quiver"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/MetadataBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)

// MARK: Shared settings

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings += [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
    target.swiftSettings = settings
}
