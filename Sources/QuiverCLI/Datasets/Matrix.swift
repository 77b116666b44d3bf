/// A dense row-major matrix: `rows × columns` elements, as datasets store vectors and neighbour ids.
package struct Matrix<Element: Sendable>: Sendable {
    /// Number of rows.
    package let rows: Int
    /// Elements per row.
    package let columns: Int
    /// `rows × columns` elements, row after row.
    package var elements: [Element]

    /// Wraps `elements` as a `rows × columns` matrix.
    ///
    /// - Precondition: `elements.count == rows * columns`.
    package init(rows: Int, columns: Int, elements: [Element]) {
        precondition(rows >= 0 && columns >= 0 && elements.count == rows * columns, "matrix shape mismatch")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The elements of row `index`.
    package func row(_ index: Int) -> ArraySlice<Element> {
        elements[index * columns..<(index + 1) * columns]
    }

    /// The first `count` rows (all of them when `count >= rows`).
    package func prefix(rows count: Int) -> Matrix {
        let kept = min(max(count, 0), rows)
        return Matrix(rows: kept, columns: columns, elements: Array(elements[0..<kept * columns]))
    }

    /// The rows from `start` to the end.
    package func suffix(fromRow start: Int) -> Matrix {
        let first = min(max(start, 0), rows)
        return Matrix(rows: rows - first, columns: columns, elements: Array(elements[first * columns..<rows * columns]))
    }
}

extension Matrix: Equatable where Element: Equatable {}

extension Matrix where Element == Float {
    /// The first row holding a NaN or an infinity, if any.
    package func firstNonFiniteRow() -> Int? {
        guard columns > 0 else { return nil }
        return elements.withUnsafeBufferPointer { buffer -> Int? in
            for row in 0..<rows {
                var finite = true
                for value in buffer[row * columns..<(row + 1) * columns] where !value.isFinite { finite = false }
                if !finite { return row }
            }
            return nil
        }
    }

    /// Throws unless every element is finite.
    ///
    /// - Parameter source: how the matrix is named in the error (a file name and a role).
    /// - Throws: `CLIError.corruption` naming the first bad row.
    package func requireFinite(_ source: String) throws(CLIError) {
        if let row = firstNonFiniteRow() {
            throw .corruption("\(source): row \(row) has a non-finite value (NaN or infinity)")
        }
    }
}
