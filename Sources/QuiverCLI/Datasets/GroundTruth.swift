package import QuiverIndex

/// Exact nearest neighbours, the reference that recall is measured against.
package enum GroundTruth {
    /// The exact `k` nearest train rows of every query, nearest first, computed by brute force with
    /// ``FlatIndex`` (cosine normalises, as peers.py does).
    ///
    /// - Throws: `CLIError.internalError` if the index rejects rows (they were validated before).
    /// - Complexity: O(train.rows × queries.rows × dimension / threads).
    package static func exact(
        train: Matrix<Float>, queries: Matrix<Float>, metric: Metric, k: Int, threads: Int
    ) throws(CLIError) -> Matrix<Int32> {
        precondition(train.columns == queries.columns && k >= 1)
        do {
            let index = try FlatIndex(dimension: train.columns, metric: metric)
            let ids = try train.elements.withUnsafeBufferPointer { (rows) throws(IndexError) in try index.add(contentsOf: rows) }
            let results = try queries.elements.withUnsafeBufferPointer { (rows) throws(IndexError) in
                try index.search(batch: rows, k: k, threads: threads)
            }
            let width = min(k, train.rows)
            var elements: [Int32] = []
            elements.reserveCapacity(queries.rows * width)
            let identity = ids.elementsEqual(0..<UInt32(ids.count))
            let rowOfID = identity ? [:] : Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, Int32($0)) })
            for found in results {
                guard found.count == width else {
                    throw CLIError(.internalError, "exact search returned \(found.count) neighbours, expected \(width)")
                }
                for result in found { elements.append(identity ? Int32(result.id) : rowOfID[result.id]!) }
            }
            return Matrix(rows: queries.rows, columns: width, elements: elements)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(.internalError, "exact ground truth failed: \(error)")
        }
    }
}
