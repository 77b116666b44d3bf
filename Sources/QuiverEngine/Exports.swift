// The engine's API speaks in the index's types (configurations, metrics, encodings):
// `import QuiverEngine` brings them along.
@_exported public import QuiverIndex
