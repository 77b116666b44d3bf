#include "CQuiverHDF5.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// Turns off HDF5's automatic error stack printing for this thread's default stack. HDF5 would
/// otherwise print a multi-line trace to stderr for every failed call, including the probes
/// (`H5Lexists`, `H5Fis_hdf5`) that fail by design here.
static void quiver_h5_silence(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

quiver_h5_status quiver_h5_open(const char *path, int64_t *file) {
    if (path == NULL || file == NULL) return QUIVER_H5_ERROR_ARGUMENT;
    quiver_h5_silence();
    if (access(path, R_OK) != 0) return QUIVER_H5_ERROR_OPEN;
    htri_t is_hdf5 = H5Fis_hdf5(path);
    if (is_hdf5 == 0) return QUIVER_H5_ERROR_NOT_HDF5;
    if (is_hdf5 < 0) return QUIVER_H5_ERROR_OPEN;
    hid_t handle = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    // The superblock was readable but the file is not: truncated or corrupt.
    if (handle < 0) return QUIVER_H5_ERROR_READ;
    *file = (int64_t)handle;
    return QUIVER_H5_OK;
}

void quiver_h5_close(int64_t file) {
    if (file > 0) H5Fclose((hid_t)file);
}

/// Opens dataset `name`, or returns a negative id when there is none.
static hid_t quiver_h5_open_dataset(int64_t file, const char *name) {
    if (file <= 0 || name == NULL) return -1;
    quiver_h5_silence();
    if (H5Lexists((hid_t)file, name, H5P_DEFAULT) <= 0) return -1;
    return H5Dopen2((hid_t)file, name, H5P_DEFAULT);
}

static quiver_h5_status quiver_h5_describe(hid_t dataset, quiver_h5_dataset_info *info) {
    memset(info, 0, sizeof(*info));
    hid_t space = H5Dget_space(dataset);
    if (space < 0) return QUIVER_H5_ERROR_READ;
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) {
        H5Sclose(space);
        return QUIVER_H5_ERROR_READ;
    }
    info->rank = rank;
    if (rank >= 1 && rank <= 32) {
        hsize_t dims[32];
        if (H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
            H5Sclose(space);
            return QUIVER_H5_ERROR_READ;
        }
        info->rows = (uint64_t)dims[0];
        info->columns = rank >= 2 ? (uint64_t)dims[1] : 0;
    }
    H5Sclose(space);
    hid_t type = H5Dget_type(dataset);
    if (type < 0) return QUIVER_H5_ERROR_READ;
    switch (H5Tget_class(type)) {
    case H5T_FLOAT: info->element_class = QUIVER_H5_CLASS_FLOAT; break;
    case H5T_INTEGER: info->element_class = QUIVER_H5_CLASS_INTEGER; break;
    default: info->element_class = QUIVER_H5_CLASS_OTHER; break;
    }
    info->element_size = H5Tget_size(type);
    H5Tclose(type);
    return QUIVER_H5_OK;
}

quiver_h5_status quiver_h5_dataset_info_get(int64_t file, const char *name, quiver_h5_dataset_info *info) {
    if (info == NULL) return QUIVER_H5_ERROR_ARGUMENT;
    hid_t dataset = quiver_h5_open_dataset(file, name);
    if (dataset < 0) return QUIVER_H5_ERROR_NOT_FOUND;
    quiver_h5_status status = quiver_h5_describe(dataset, info);
    H5Dclose(dataset);
    return status;
}

/// Reads all of `name` converted to `memory_type`, after checking the element class and that
/// `count` matches the shape exactly (so `out` is never overrun).
static quiver_h5_status quiver_h5_read(
    int64_t file, const char *name, hid_t memory_type, int integers_only, void *out, uint64_t count) {
    if (out == NULL) return QUIVER_H5_ERROR_ARGUMENT;
    hid_t dataset = quiver_h5_open_dataset(file, name);
    if (dataset < 0) return QUIVER_H5_ERROR_NOT_FOUND;
    quiver_h5_dataset_info info;
    quiver_h5_status status = quiver_h5_describe(dataset, &info);
    if (status == QUIVER_H5_OK) {
        uint64_t elements = info.rank == 1 ? info.rows : info.rows * info.columns;
        if (info.rank < 1 || info.rank > 2 || (info.rank == 2 && info.columns != 0 && elements / info.columns != info.rows)
            || elements != count) {
            status = QUIVER_H5_ERROR_SHAPE;
        } else if (info.element_class == QUIVER_H5_CLASS_OTHER
                   || (integers_only && info.element_class != QUIVER_H5_CLASS_INTEGER)) {
            status = QUIVER_H5_ERROR_TYPE;
        } else if (count > 0 && H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
            status = QUIVER_H5_ERROR_READ;
        }
    }
    H5Dclose(dataset);
    return status;
}

quiver_h5_status quiver_h5_read_float(int64_t file, const char *name, float *out, uint64_t count) {
    return quiver_h5_read(file, name, H5T_NATIVE_FLOAT, 0, out, count);
}

quiver_h5_status quiver_h5_read_int32(int64_t file, const char *name, int32_t *out, uint64_t count) {
    return quiver_h5_read(file, name, H5T_NATIVE_INT32, 1, out, count);
}

quiver_h5_status quiver_h5_read_string_attribute(int64_t file, const char *name, char *out, size_t capacity) {
    if (file <= 0 || name == NULL || out == NULL || capacity == 0) return QUIVER_H5_ERROR_ARGUMENT;
    quiver_h5_silence();
    if (H5Aexists((hid_t)file, name) <= 0) return QUIVER_H5_ERROR_NOT_FOUND;
    hid_t attribute = H5Aopen((hid_t)file, name, H5P_DEFAULT);
    if (attribute < 0) return QUIVER_H5_ERROR_NOT_FOUND;
    quiver_h5_status status = QUIVER_H5_OK;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    hid_t memory_type = -1;
    if (type < 0 || space < 0) {
        status = QUIVER_H5_ERROR_READ;
    } else if (H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
        status = QUIVER_H5_ERROR_TYPE;
    } else if (H5Tis_variable_str(type) > 0) {
        // The memory type must carry the stored character set (h5py writes UTF-8), or HDF5
        // refuses the conversion.
        memory_type = H5Tcopy(H5T_C_S1);
        H5Tset_size(memory_type, H5T_VARIABLE);
        H5Tset_cset(memory_type, H5Tget_cset(type));
        char *value = NULL;
        if (H5Aread(attribute, memory_type, &value) < 0 || value == NULL) {
            status = QUIVER_H5_ERROR_READ;
        } else {
            size_t length = strlen(value);
            if (length + 1 > capacity) {
                status = QUIVER_H5_ERROR_BUFFER;
            } else {
                memcpy(out, value, length + 1);
            }
            H5free_memory(value);
        }
    } else {
        size_t size = H5Tget_size(type);
        if (size + 1 > capacity) {
            status = QUIVER_H5_ERROR_BUFFER;
        } else {
            // One byte more than stored: a NUL-terminated memory type of the stored size would
            // drop the last character of a NUL-padded (numpy `bytes_`) string to fit its NUL.
            memory_type = H5Tcopy(H5T_C_S1);
            H5Tset_size(memory_type, size + 1);
            H5Tset_cset(memory_type, H5Tget_cset(type));
            memset(out, 0, size + 1);
            if (H5Aread(attribute, memory_type, out) < 0) status = QUIVER_H5_ERROR_READ;
            out[size] = '\0';
        }
    }
    if (memory_type >= 0) H5Tclose(memory_type);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return status;
}

const char *quiver_h5_status_description(quiver_h5_status status) {
    switch (status) {
    case QUIVER_H5_OK: return "ok";
    case QUIVER_H5_ERROR_OPEN: return "cannot open the file";
    case QUIVER_H5_ERROR_NOT_HDF5: return "not an HDF5 file";
    case QUIVER_H5_ERROR_NOT_FOUND: return "no such dataset or attribute";
    case QUIVER_H5_ERROR_SHAPE: return "unexpected shape";
    case QUIVER_H5_ERROR_TYPE: return "unsupported element type";
    case QUIVER_H5_ERROR_READ: return "read failed (truncated or corrupt file)";
    case QUIVER_H5_ERROR_BUFFER: return "value too long";
    case QUIVER_H5_ERROR_ARGUMENT: return "invalid argument";
    }
    return "unknown error";
}
