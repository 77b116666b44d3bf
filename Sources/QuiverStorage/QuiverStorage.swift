// QuiverStorage: the durable storage engine (write-ahead log, segments, manifest). See docs/architecture.md.
