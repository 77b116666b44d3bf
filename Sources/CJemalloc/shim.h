// jemalloc, linked into the quiverd executable only: its malloc and free replace libc's for the
// whole process (as in Redis). Only the introspection entry point is declared here; jemalloc.h
// itself redeclares malloc and friends.
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
