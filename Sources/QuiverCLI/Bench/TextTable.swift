/// A plain-text table with right-aligned numeric columns, for terminal reports.
package struct TextTable: Sendable {
    /// Column titles.
    package var header: [String]
    /// Rows of cells; short rows are padded with empty cells.
    package var rows: [[String]] = []
    /// Columns whose cells are left-aligned (others are right-aligned).
    package var leftAligned: Set<Int> = [0]

    /// A table with `header` and no rows.
    package init(header: [String], leftAligned: Set<Int> = [0]) {
        self.header = header
        self.leftAligned = leftAligned
    }

    /// Appends a row.
    package mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines separated by newlines, two spaces between columns, no trailing spaces.
    package func rendered() -> String {
        let all = [header] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ row: [String]) -> String {
            var cells: [String] = []
            for i in 0..<columns {
                let cell = i < row.count ? row[i] : ""
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                cells.append(leftAligned.contains(i) ? cell + padding : padding + cell)
            }
            var text = cells.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return all.map(line).joined(separator: "\n")
    }
}
