/// The file formats the readers know, decided by file extension.
package enum DatasetFormat: Sendable, Equatable {
    /// ann-benchmarks HDF5 (`.hdf5`, `.h5`): train, test and neighbours in one file.
    case annBenchmarks
    /// `.fvecs`: float vectors.
    case fvecs
    /// `.ivecs`: integer rows (ground truth).
    case ivecs
    /// `.fbin`: float vectors.
    case fbin
    /// `.ibin`: integer rows (ground truth).
    case ibin
    /// `.npy`: float or integer rows, told apart by dtype.
    case npy

    /// The format of `path` by its extension, or `nil` for an unknown one.
    package init?(path: String) {
        switch MappedFile.fileExtension(of: path) {
        case "hdf5", "h5": self = .annBenchmarks
        case "fvecs": self = .fvecs
        case "ivecs": self = .ivecs
        case "fbin": self = .fbin
        case "ibin": self = .ibin
        case "npy": self = .npy
        default: return nil
        }
    }

    /// Reads a file of float vectors (a dataset or a queries file).
    ///
    /// - Throws: `CLIError.unsupported` for an unknown extension or an integer format; whatever
    ///   the format's reader throws.
    package static func readFloats(path: String, role: String) throws(CLIError) -> Matrix<Float> {
        switch DatasetFormat(path: path) {
        case .fvecs?: return try FVecsReader.readFloats(path: path)
        case .fbin?: return try FBinReader.readFloats(path: path)
        case .npy?: return try NPYReader.readFloats(path: path)
        case .ivecs?, .ibin?:
            throw .unsupported("\(path): \(role) must hold float vectors (.fvecs, .fbin or .npy), not integers")
        case .annBenchmarks?:
            throw .unsupported("\(path): an HDF5 file is a whole dataset; pass it as --dataset")
        case nil:
            throw .unsupported(
                "\(path): unknown \(role) extension '.\(MappedFile.fileExtension(of: path))' "
                    + "(expected .hdf5, .h5, .fvecs, .fbin or .npy)")
        }
    }

    /// Reads a file of integer rows (ground-truth neighbour ids).
    ///
    /// - Throws: `CLIError.unsupported` for an unknown extension or a float format; whatever the
    ///   format's reader throws.
    package static func readIntegers(path: String, role: String) throws(CLIError) -> Matrix<Int32> {
        switch DatasetFormat(path: path) {
        case .ivecs?: return try FVecsReader.readIntegers(path: path)
        case .ibin?: return try FBinReader.readIntegers(path: path)
        case .npy?: return try NPYReader.readIntegers(path: path)
        case .fvecs?, .fbin?, .annBenchmarks?:
            throw .unsupported("\(path): \(role) must hold integer ids (.ivecs, .ibin or .npy)")
        case nil:
            throw .unsupported(
                "\(path): unknown \(role) extension '.\(MappedFile.fileExtension(of: path))' (expected .ivecs, .ibin or .npy)")
        }
    }
}
