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
        self.descriptors = Self.openFiles(under: directory).count
        self.mappings = Self.mappedFiles(under: directory).count
    }

    /// The targets of this process's open descriptors under `directory`, one per descriptor; the
    /// kernel appends ` (deleted)` to a file that was unlinked while open.
    public static func openFiles(under directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var targets: [String] = []
        guard let dir = opendir("/proc/self/fd") else { return [] }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/" + name, &buffer, buffer.count - 1)
            guard count > 0 else { continue }
            let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix(prefix) { targets.append(target) }
        }
        closedir(dir)
        return targets
    }

    /// The paths of this process's mappings of files under `directory`, one per mapping; the
    /// kernel appends ` (deleted)` to a file that was unlinked while mapped.
    public static func mappedFiles(under directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var paths: [String] = []
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = text.firstIndex(of: "/"), text[slash...].hasPrefix(prefix) {
                var path = text[slash...]
                while path.last == "\n" { path.removeLast() }
                paths.append(String(path))
            }
        }
        fclose(file)
        return paths
    }
}
#endif
