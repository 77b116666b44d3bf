// `import Quiver` is all an application needs: it brings the layers the API speaks in (the
// engine's keys, snapshots and errors; the metadata layer's cache types; JSON values and filters;
// metrics and encodings).
@_exported public import QuiverEngine
@_exported public import QuiverFilter
@_exported public import QuiverKernels
@_exported public import QuiverMetadata
