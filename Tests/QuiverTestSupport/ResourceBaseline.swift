#if canImport(Glibc)
import Glibc

/// Counts this process's open descriptors and mappings of files under one directory (T17).
///
/// Reads `/proc/self/fd` (each link's target) and `/proc/self/maps` (each mapping's path), so
/// only resources inside `directory` count and tests running in parallel do not disturb it.
public struct ResourceBaseline: Sendable, Hashable {
    /// Explicit counts, for comparisons.
    public init(descriptors: Int, mappings: Int) {
        self.descriptors = descriptors
        self.mappings = mappings
    }

    /// Open descriptors whose target lies under the directory.
    public var descriptors: Int
    /// Mappings of files under the directory.
    public var mappings: Int

    /// The current counts for files under `directory` (an absolute path).
    public init(directory: String) {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var descriptors = 0
        if let dir = opendir("/proc/self/fd") {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                var buffer = [CChar](repeating: 0, count: 4096)
                let count = readlink("/proc/self/fd/" + name, &buffer, buffer.count - 1)
                guard count > 0 else { continue }
                let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix(prefix) { descriptors += 1 }
            }
            closedir(dir)
        }
        var mappings = 0
        if let file = fopen("/proc/self/maps", "r") {
            var line = [CChar](repeating: 0, count: 8192)
            while fgets(&line, Int32(line.count), file) != nil {
                let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let slash = text.firstIndex(of: "/"), text[slash...].hasPrefix(prefix) { mappings += 1 }
            }
            fclose(file)
        }
        self.descriptors = descriptors
        self.mappings = mappings
    }
}
#endif
