#ifndef CQUIVERHDF5_H
#define CQUIVERHDF5_H

/// A read-only view of the HDF5 files ann-benchmarks publishes: 2-D numeric datasets and string
/// attributes. HDF5's type ids are macros over global variables that Swift cannot import, so the
/// reads that need them live here. Every function reports failure through a `quiver_h5_status`
/// and never prints or aborts: HDF5's automatic error printing is turned off on open.
///
/// libhdf5 (the serial build) is not thread-safe; call these from one thread at a time.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The result of every call; `QUIVER_H5_OK` is zero, failures are negative.
typedef enum quiver_h5_status {
    QUIVER_H5_OK = 0,
    /// The file does not exist or cannot be read.
    QUIVER_H5_ERROR_OPEN = -1,
    /// The file exists but is not an HDF5 file.
    QUIVER_H5_ERROR_NOT_HDF5 = -2,
    /// No dataset or attribute has that name.
    QUIVER_H5_ERROR_NOT_FOUND = -3,
    /// The dataset is not two-dimensional, or the caller's element count does not match its shape.
    QUIVER_H5_ERROR_SHAPE = -4,
    /// The element type cannot be converted (not an integer or float; an attribute that is not a string).
    QUIVER_H5_ERROR_TYPE = -5,
    /// libhdf5 failed while reading: a truncated file, a corrupt chunk, a missing filter.
    QUIVER_H5_ERROR_READ = -6,
    /// The caller's buffer is too small (string attributes).
    QUIVER_H5_ERROR_BUFFER = -7,
    /// A null pointer or an invalid handle was passed.
    QUIVER_H5_ERROR_ARGUMENT = -8,
} quiver_h5_status;

/// The stored element class of a dataset.
typedef enum quiver_h5_element_class {
    QUIVER_H5_CLASS_OTHER = 0,
    QUIVER_H5_CLASS_FLOAT = 1,
    QUIVER_H5_CLASS_INTEGER = 2,
} quiver_h5_element_class;

/// The shape and element class of a dataset.
typedef struct quiver_h5_dataset_info {
    /// Number of dimensions (the readers require 2).
    int rank;
    /// Extent of the first two dimensions; zero beyond `rank`.
    uint64_t rows;
    uint64_t columns;
    quiver_h5_element_class element_class;
    /// Bytes per stored element.
    size_t element_size;
} quiver_h5_dataset_info;

/// Opens `path` read-only; on success stores a handle in `*file` that `quiver_h5_close` releases.
quiver_h5_status quiver_h5_open(const char *path, int64_t *file);

/// Closes a handle from `quiver_h5_open`.
void quiver_h5_close(int64_t file);

/// Describes the dataset `name`.
quiver_h5_status quiver_h5_dataset_info_get(int64_t file, const char *name, quiver_h5_dataset_info *info);

/// Reads the whole dataset `name` into `out` as native float32 (HDF5 converts other numeric types).
/// `count` must equal rows × columns (rank 1 or 2).
quiver_h5_status quiver_h5_read_float(int64_t file, const char *name, float *out, uint64_t count);

/// Reads the whole dataset `name` into `out` as native int32 (HDF5 converts other integer types,
/// clamping out-of-range values). `count` must equal rows × columns.
quiver_h5_status quiver_h5_read_int32(int64_t file, const char *name, int32_t *out, uint64_t count);

/// Reads the string attribute `name` of the root group into `out` (NUL-terminated, at most
/// `capacity` bytes including the NUL). Fixed-length and variable-length strings are accepted.
quiver_h5_status quiver_h5_read_string_attribute(int64_t file, const char *name, char *out, size_t capacity);

/// A static, human-readable description of `status`.
const char *quiver_h5_status_description(quiver_h5_status status);

#ifdef __cplusplus
}
#endif

#endif
