import CQuiverSIMD
import QuiverKernels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct SIMDLevelTests {
    @Test func detectedLevelIsSupported() {
        #expect(SIMDLevel.detected.isSupported)
        #expect(SIMDLevel.baseline.isSupported)
        #expect(DistanceKernels(level: .detected) != nil)
    }

    /// `DistanceKernels(level:)` is nil exactly for the levels this CPU (and architecture) lacks.
    @Test(arguments: SIMDLevel.allCases)
    func kernelsExistExactlyForSupportedLevels(level: SIMDLevel) {
        #expect((DistanceKernels(level: level) != nil) == level.isSupported)
        #if arch(x86_64)
            let supported = level != .neon && level <= SIMDLevel.detected
        #elseif arch(arm64)
            let supported = level == .baseline || level == .neon
        #else
            let supported = level == .baseline
        #endif
        #expect(level.isSupported == supported, "\(level) on a CPU whose best level is \(SIMDLevel.detected)")
    }

    /// The optional features never exceed what the CPU has, and asking for one the CPU lacks
    /// falls back to a table without it.
    @Test func featureTablesStayWithinTheCPU() {
        let available = quiver_simd_features()
        #expect(available & ~QUIVER_SIMD_FEATURE_ALL == 0)
        if SIMDLevel.detected != .avx512 { #expect(available == 0) }
        for level in SIMDLevel.allCases {
            let table = quiver_kernels_for_level_features(level.cLevel, QUIVER_SIMD_FEATURE_ALL)
            #expect(table == quiver_kernels_for_level(level.cLevel))
        }
    }

    #if os(Linux) && arch(x86_64)
        /// cpuid and XGETBV agree with the kernel's view of the CPU: Linux lists a feature in
        /// /proc/cpuinfo only when the CPU has it and the kernel saves its register state.
        @Test func detectionAgreesWithProcCpuinfo() throws {
            let flags = try #require(Self.cpuinfoFlags())
            let avx2 = ["avx", "avx2", "fma", "f16c", "popcnt"].allSatisfy(flags.contains)
            let avx512 = avx2 && ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
            let expected: SIMDLevel = avx512 ? .avx512 : avx2 ? .avx2 : .baseline
            #expect(SIMDLevel.detected == expected)
            if avx512 {
                var features: UInt32 = 0
                if flags.contains("avx512_vnni") { features |= QUIVER_SIMD_FEATURE_AVX512_VNNI }
                if flags.contains("avx512_vpopcntdq") { features |= QUIVER_SIMD_FEATURE_AVX512_VPOPCNTDQ }
                #expect(quiver_simd_features() == features)
            }
        }

        private static func cpuinfoFlags() -> Set<String>? {
            guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
            defer { fclose(file) }
            var line = [CChar](repeating: 0, count: 1 << 16)
            while fgets(&line, Int32(line.count), file) != nil {
                let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
                return Set(text[text.index(after: colon)...].split(whereSeparator: \.isWhitespace).map(String.init))
            }
            return nil
        }
    #endif

    /// `QUIVER_SIMD` forces a supported level; anything else leaves the detected one. CI runs the
    /// tests with and without the variable set.
    @Test func activeLevelFollowsTheEnvironment() {
        var expected = SIMDLevel.detected
        if let raw = getenv("QUIVER_SIMD"), let forced = SIMDLevel(rawValue: String(cString: raw).lowercased()),
            forced.isSupported
        {
            expected = forced
        }
        #expect(SIMDLevel.active == expected)
        #expect(DistanceKernels.active.level == expected)
        #expect(DistanceKernels.active.table == quiver_kernels_for_level(expected.cLevel))
    }

    @Test func levelsAreOrderedFromPortableToWidest() {
        #expect(SIMDLevel.allCases.sorted() == [.baseline, .neon, .avx2, .avx512])
        #expect(SIMDLevel.allCases.map(\.rawValue) == ["baseline", "neon", "avx2", "avx512"])
    }
}
