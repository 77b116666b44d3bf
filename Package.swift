// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Quiver",
    products: [
        .library(name: "QuiverKernels", targets: ["QuiverKernels"]),
        .library(name: "QuiverIndex", targets: ["QuiverIndex"]),
        .library(name: "QuiverStorage", targets: ["QuiverStorage"]),
        .library(name: "QuiverEngine", targets: ["QuiverEngine"]),
        .library(name: "QuiverMetadata", targets: ["QuiverMetadata"]),
        .library(name: "QuiverFilter", targets: ["QuiverFilter"]),
        .library(name: "Quiver", targets: ["Quiver"]),
        .library(name: "QuiverRESP", targets: ["QuiverRESP"]),
        .library(name: "QuiverServer", targets: ["QuiverServer"]),
        .executable(name: "quiver", targets: ["quiver"]),
        .executable(name: "quiverd", targets: ["quiverd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C shims (bottom layer)

        /// Distance kernels per SIMD level plus cpuid dispatch. Levels are selected per function with
        /// `__attribute__((target(...)))`, so no compiler flags are needed.
        .target(name: "CQuiverSIMD"),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        /// libhdf5, needed only by the CLI's dataset reader: no library product depends on it.
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        /// jemalloc, linked by the `quiverd` executable only (no library depends on it), on Linux
        /// (elsewhere jemalloc's symbols are prefixed and the system allocator stays).
        .systemLibrary(
            name: "CJemalloc", pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]),
        /// A C shim around libhdf5, because HDF5's type ids are macros Swift cannot import.
        .target(name: "CQuiverHDF5", dependencies: ["CHDF5"]),

        // MARK: Kernels

        .target(name: "QuiverKernels", dependencies: ["CQuiverSIMD"]),

        // MARK: Index (HNSW, exact index; no disk I/O)

        .target(name: "QuiverIndex", dependencies: ["QuiverKernels", "CQuiverSIMD"]),

        // MARK: Storage (FileIO, WAL, segments, manifest, compaction, codecs)

        .target(
            name: "QuiverStorage",
            dependencies: [
                "QuiverIndex", "CQuiverSIMD", "CZstd", "CLZ4",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),

        // MARK: Filter (JSON attribute values and the Redis-compatible FILTER language; no dependencies)

        .target(name: "QuiverFilter"),

        // MARK: Engine (collections over the WAL, segments and manifest: recovery, flush, compaction, backup)

        .target(
            name: "QuiverEngine",
            dependencies: [
                "QuiverIndex", "QuiverStorage", "CQuiverSIMD",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ]),

        // MARK: Metadata (entities, notes, cache tables beside the vectors)

        .target(name: "QuiverMetadata", dependencies: ["QuiverEngine", "QuiverIndex", "QuiverFilter"]),

        // MARK: Embedded API (Database: collections, entities, notes, cache tables in atomic batches)

        .target(name: "Quiver", dependencies: ["QuiverMetadata", "QuiverEngine", "QuiverStorage", "QuiverFilter", "QuiverIndex"]),

        // MARK: Daemon (RESP codec, then the server; `quiverd` is a thin main)

        .target(name: "QuiverRESP", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "QuiverServer",
            dependencies: [
                "Quiver", "QuiverRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "quiverd",
            dependencies: [
                "QuiverServer", .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Tools (the `quiver` CLI; the only layer that imports Foundation and libhdf5)

        .target(
            name: "QuiverCLI",
            dependencies: [
                "QuiverIndex", "QuiverKernels", "QuiverEngine", "QuiverStorage", "QuiverFilter", "CQuiverHDF5",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "quiver", dependencies: ["QuiverCLI"]),

        // MARK: Tests

        .target(
            name: "QuiverTestSupport", dependencies: ["QuiverIndex", "QuiverKernels", "QuiverStorage"],
            path: "Tests/QuiverTestSupport"),
        /// The process the crash-loop test kills (reliability spec T3); not a product.
        .executableTarget(
            name: "quiver-crash-child", dependencies: ["QuiverEngine", "QuiverStorage", "QuiverTestSupport"]),
        .testTarget(name: "QuiverKernelsTests", dependencies: ["QuiverKernels", "CQuiverSIMD", "QuiverTestSupport"]),
        .testTarget(name: "QuiverIndexTests", dependencies: ["QuiverIndex", "QuiverTestSupport"]),
        .testTarget(name: "QuiverStorageTests", dependencies: ["QuiverStorage", "QuiverTestSupport"]),
        .testTarget(name: "QuiverEngineTests", dependencies: ["QuiverEngine", "QuiverTestSupport"]),
        .testTarget(name: "QuiverFilterTests", dependencies: ["QuiverFilter"]),
        .testTarget(name: "QuiverMetadataTests", dependencies: ["QuiverMetadata", "QuiverTestSupport"]),
        .testTarget(name: "QuiverTests", dependencies: ["Quiver", "QuiverTestSupport"]),
        .testTarget(
            name: "QuiverRESPTests",
            dependencies: [
                "QuiverRESP", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "QuiverServerTests",
            dependencies: [
                "QuiverServer", "QuiverRESP", "Quiver", "QuiverTestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "QuiverCLITests", dependencies: ["QuiverCLI", "QuiverEngine", "QuiverStorage", "QuiverTestSupport"],
            exclude: ["Fixtures"]),
    ]
)

// MARK: Shared settings

let cTargets: Set<String> = ["CQuiverSIMD", "CQuiverHDF5"]
for target in package.targets where target.type != .system && !cTargets.contains(target.name) {
    var settings = target.swiftSettings ?? []
    settings += [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
    target.swiftSettings = settings
}
