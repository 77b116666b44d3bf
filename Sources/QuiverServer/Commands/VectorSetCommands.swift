internal import Quiver
internal import QuiverRESP

/// The Redis 8.8 vector-set commands (`VADD`, `VSIM`, …), over collections the
/// ``VectorSetRegistry`` names.
enum VectorSetCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("VCARD", arity: 2, flags: [.readonly, .fast, .module], keys: (1, 1, 1), group: "module", summary: "Returns the number of elements in a vector set.", since: "8.0.0") {
            context throws(CommandError) in
            let key = context.key(1)
            guard let info = context.daemon.vectorSets.info(context.connection.database, key) else {
                if try context.keyspace.type(of: key, daemon: context.daemon) != nil { throw .wrongType }
                return .integer(0)
            }
            do { return .integer(Int64(try context.database.snapshot().count(in: info.collection))) } catch let error as QuiverError {
                throw .err(error.message)
            } catch {
                throw .err("\(error)")
            }
        },
    ]
}
