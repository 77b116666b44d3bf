/// Metadata commands over entities, notes and cache tables.
enum MetadataCommands {
    static let specs: [CommandSpec] = []
}
