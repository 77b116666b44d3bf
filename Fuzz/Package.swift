// swift-tools-version: 6.1
// Fuzz targets, one per untrusted input, kept out of the main package: building with
// `-Xswiftc -sanitize=fuzzer` makes executables parse as libraries (see run.sh).
import PackageDescription

let package = Package(
    name: "QuiverFuzz",
    dependencies: [
        .package(name: "Quiver", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: Shared fuzz bodies (also replayed by the main package's unit tests)

        .target(
            name: "QuiverFuzzing",
            dependencies: [
                .product(name: "QuiverStorage", package: "Quiver"), .product(name: "QuiverRESP", package: "Quiver"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // MARK: libFuzzer entry points

        .executableTarget(name: "FuzzWALReader", dependencies: ["QuiverFuzzing"]),
        .executableTarget(name: "FuzzSegmentReader", dependencies: ["QuiverFuzzing"]),
        .executableTarget(name: "FuzzManifestDecoder", dependencies: ["QuiverFuzzing"]),
        .executableTarget(name: "FuzzRESP", dependencies: ["QuiverFuzzing"]),
    ]
)

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
