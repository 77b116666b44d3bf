/// Checks that a vector has the index's dimension and only finite elements.
func validate(_ vector: UnsafeBufferPointer<Float>, dimension: Int) throws(IndexError) {
    guard vector.count == dimension else {
        throw .invalidArgument("vector has \(vector.count) dimensions, the index has \(dimension)")
    }
    for (i, x) in vector.enumerated() where !x.isFinite {
        throw .invalidArgument("vector element \(i) is not a finite number")
    }
}
