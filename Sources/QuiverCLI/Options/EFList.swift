internal import ArgumentParser

/// A comma-separated list of search breadths, such as `10,20,40,80,160,320`.
package struct EFList: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// The values, in the order given.
    package var values: [Int]

    /// The ann-benchmarks-style sweep peers.py uses by default.
    package static let standard = EFList(values: [10, 20, 40, 80, 160, 320])

    /// Creates a list.
    package init(values: [Int]) {
        self.values = values
    }

    /// Parses `10,20,40`; `nil` unless every item is an integer in 1...100000 (a bad `--ef` is
    /// reported by ArgumentParser as an invalid value).
    package init?(argument: String) {
        var values: [Int] = []
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: " ")
            guard let value = Int(trimmed), (1...100_000).contains(value) else { return nil }
            values.append(value)
        }
        guard !values.isEmpty else { return nil }
        self.values = values
    }

    /// The list as it is written on the command line.
    package var description: String { values.map(String.init).joined(separator: ",") }

    /// Shown by `--help`.
    package var defaultValueDescription: String { description }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var result = self
        while result.first == character { result = result.dropFirst() }
        while result.last == character { result = result.dropLast() }
        return result
    }
}
