extension WriteBatch {
    /// Decodes a log record's payload, for tools that read the log (`quiver wal-dump`).
    ///
    /// - Throws: ``EngineError/Code/unsupported`` for a newer format, ``EngineError/Code/corruption``
    ///   for malformed bytes.
    package static func decode(logRecord payload: [UInt8]) throws(EngineError) -> WriteBatch {
        try WriteBatch(encoded: payload)
    }

    /// One line naming what the batch does: each run of operations of one kind on one collection,
    /// with its keys (at most `keyLimit` of them per run), never vectors or attributes.
    ///
    /// For example `upsert docs: a, b, c; delete docs: x; create collection images (dim 512, cosine, f32)`.
    ///
    /// - Complexity: O(operations).
    package func summary(keyLimit: Int = 8) -> String {
        var runs: [(label: String, keys: [String])] = []
        func add(_ label: String, _ key: String?) {
            if let key, let last = runs.last, last.label == label, !last.keys.isEmpty {
                runs[runs.count - 1].keys.append(key)
            } else {
                runs.append((label, key.map { [$0] } ?? []))
            }
        }
        for operation in operations {
            switch operation {
            case .createCollection(let definition):
                let index = definition.index
                add(
                    "create collection \(Self.printable(definition.name)) (dim \(index.dimension), \(index.metric.rawValue), "
                        + "\(index.encoding.rawValue), m \(index.m), ef_construction \(index.efConstruction))", nil)
            case .dropCollection(let name):
                add("drop collection \(Self.printable(name))", nil)
            case .upsert(let collection, let key, _, let attributes):
                add(
                    "upsert \(Self.printable(collection))",
                    Self.printable(key) + (attributes == nil ? "" : " (+attributes)"))
            case .delete(let collection, let key):
                add("delete \(Self.printable(collection))", Self.printable(key))
            case .setAttributes(let collection, let key, let attributes):
                add("set attributes \(Self.printable(collection))", Self.printable(key) + (attributes == nil ? " (none)" : ""))
            case .createTable(let definition):
                add("create table \(Self.printable(definition.name))", nil)
            case .dropTable(let name):
                add("drop table \(Self.printable(name))", nil)
            case .put(let table, let key, let value, let expiresAt):
                add(
                    "put \(Self.printable(table))",
                    Self.printable(key) + " (\(value.count) bytes" + (expiresAt.map { ", expires \($0)" } ?? "") + ")")
            case .remove(let table, let key):
                add("remove \(Self.printable(table))", Self.printable(key))
            }
        }
        guard !runs.isEmpty else { return "empty batch" }
        return runs.map { run in
            guard !run.keys.isEmpty else { return run.label }
            var keys = run.keys.prefix(keyLimit).joined(separator: ", ")
            if run.keys.count > keyLimit { keys += ", … (\(run.keys.count) keys)" }
            return "\(run.label): \(keys)"
        }.joined(separator: "; ")
    }

    /// A key's UTF-8 text printed as ``printable(_:)-(String)`` does, or `0x` and hex for other bytes.
    private static func printable(_ key: Key) -> String {
        guard let text = key.text else {
            return "0x" + key.bytes.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
        }
        return printable(text)
    }

    /// `text` with control characters written as `\u{..}`, so one record stays on one line.
    private static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
