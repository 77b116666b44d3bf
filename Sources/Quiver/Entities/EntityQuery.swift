internal import QuiverEngine
internal import QuiverFilter

/// A count of one attribute value among a listing's entities (a facet).
public struct FacetCount: Sendable, Equatable {
    /// The value.
    public var value: JSONValue
    /// How many entities have it.
    public var count: Int

    /// A count of `count` entities with `value`.
    public init(value: JSONValue, count: Int) {
        self.value = value
        self.count = count
    }
}

/// How a listing of entities of one type reads them: which keys it scans, in what order, and how
/// a cursor resumes it.
struct EntityQuery {
    let type: String
    let filter: FilterExpression?
    let indexed: [String]

    /// Where candidates come from.
    enum Plan {
        /// Every entity of the type, by id.
        case scan
        /// The index entries of `attribute` under each of `probes` (a component, or every
        /// string), merged by id.
        case probes(attribute: String, probes: [Probe])
        /// Index entries of `attribute` for numbers in a range, by value then id.
        case range(attribute: String, lower: [UInt8], upper: [UInt8])
    }

    /// One run of index entries: those of a single value, or those of every string value.
    enum Probe: Hashable {
        case value(SortableKeyComponent)
        case allStrings
    }

    /// The plan for the filter: the first constraint an index answers without losing matches.
    var plan: Plan {
        guard let filter else { return .scan }
        for constraint in filter.constraints where indexed.contains(constraint.field) {
            if case .equals(let field, let values) = constraint {
                var probes: Set<Probe> = []
                for value in values {
                    // Every value the filter language calls equal to the literal, given the
                    // index's extra entries (booleans as numbers, numeric strings also as numbers).
                    switch value {
                    case .null: probes.insert(.value(.null))
                    case .string(let s):
                        probes.insert(.value(.string(s)))
                        probes.insert(.value(.number(FilterConstraint.number(inString: s) ?? 0)))
                    case .number(let n):
                        probes.insert(.value(.number(n)))
                        if n == 0 { probes.insert(.allStrings) }  // non-numeric strings read as 0
                    }
                }
                return .probes(attribute: field, probes: Array(probes))
            }
        }
        for constraint in filter.constraints where indexed.contains(constraint.field) {
            if case .range(let field, let lower, let lowerInclusive, let upper, let upperInclusive) = constraint {
                // Strings that are not numbers, null and arrays read as 0: only ranges without 0
                // are answered from the numbers alone.
                let containsZero = (lower.map { $0 < 0 || ($0 == 0 && lowerInclusive) } ?? true)
                    && (upper.map { $0 > 0 || ($0 == 0 && upperInclusive) } ?? true)
                guard !containsZero else { continue }
                let low = lower.map { bound -> [UInt8] in
                    let key = MetadataKeys.indexPrefix(type: type, attribute: field, value: .number(bound))
                    return lowerInclusive ? key : SortableKeyEncoder.successor(ofPrefix: key)
                } ?? MetadataKeys.indexPrefix(type: type, attribute: field, value: .number(-.infinity))
                let high = upper.map { bound -> [UInt8] in
                    let key = MetadataKeys.indexPrefix(type: type, attribute: field, value: .number(bound))
                    return upperInclusive ? SortableKeyEncoder.successor(ofPrefix: key) : key
                } ?? SortableKeyEncoder.successor(ofPrefix: MetadataKeys.indexPrefix(type: type, attribute: field, value: .number(.infinity)))
                return .range(attribute: field, lower: low, upper: high)
            }
        }
        return .scan
    }

    // MARK: Pages

    func page(in snapshot: Snapshot, after cursor: String?, limit: Int) throws(QuiverError) -> Page<Entity> {
        let plan = self.plan
        var entities: [Entity] = []
        var lastKey: [UInt8]?
        var more = false
        let resume = try cursor.map { (cursor) throws(QuiverError) in try parse(cursor, plan: plan) }
        /// Adds the entity when it passes the filter; `false` once a match past the page is found.
        func take(_ ref: EntityRef, position: [UInt8]) throws(QuiverError) -> Bool {
            guard let record = try snapshot.entityRecord(ref) else { return true }
            if let filter, !filter.matches(attributes: record.attributes) { return true }
            guard entities.count < limit else {
                more = true
                return false
            }
            entities.append(try record.entity(ref))
            lastKey = position
            return true
        }
        switch plan {
        case .scan:
            let prefix = MetadataKeys.entityType(type)
            let start = resume.map(SortableKeyEncoder.successor(ofKey:)) ?? prefix
            try scan(snapshot, MetadataKeys.entities, from: start, below: SortableKeyEncoder.successor(ofPrefix: prefix)) {
                (key) throws(QuiverError) in
                guard let ref = MetadataKeys.entityRef(key) else { return true }
                return try take(ref, position: key)
            }
        case .probes(let attribute, let probes):
            var after = resume.map { String(decoding: $0, as: UTF8.self) }
            let chunk = max(64, limit * 2)
            outer: while true {
                let (ids, exhausted) = try candidateIDs(snapshot, attribute: attribute, probes: probes, after: after, count: chunk)
                for id in ids {
                    guard try take(EntityRef(type: type, id: id), position: Array(id.utf8)) else { break outer }
                }
                guard !exhausted, let last = ids.last else { break }
                after = last
            }
        case .range(_, let lower, let upper):
            var seen: Set<String> = []
            let start = resume.map(SortableKeyEncoder.successor(ofKey:)) ?? lower
            try scan(snapshot, MetadataKeys.entityIndex, from: start, below: upper) { (key) throws(QuiverError) in
                guard case .string(let id)? = try? SortableKeyDecoder.decode(key).last, seen.insert(id).inserted else { return true }
                return try take(EntityRef(type: type, id: id), position: key)
            }
        }
        let tag = Self.tag(plan)
        return Page(elements: entities, nextCursor: more ? lastKey.map { tag + CursorCoding.encode($0) } : nil)
    }

    /// The first `count` ids after `after` (in byte order) among the probes' index entries,
    /// deduplicated, and whether the probes hold no more.
    private func candidateIDs(
        _ snapshot: Snapshot, attribute: String, probes: [Probe], after: String?, count: Int
    ) throws(QuiverError) -> (ids: [String], exhausted: Bool) {
        func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        var ids = Set<String>()
        var exhausted = true
        for probe in probes {
            var found: [String] = []
            switch probe {
            case .value(let component):
                // Within one value the entries are in id order: seek past `after`.
                let prefix = MetadataKeys.indexPrefix(type: type, attribute: attribute, value: component)
                let start = after.map {
                    SortableKeyEncoder.successor(ofKey: MetadataKeys.indexEntry(EntityRef(type: type, id: $0), attribute: attribute, value: component))
                } ?? prefix
                try scan(snapshot, MetadataKeys.entityIndex, from: start, below: SortableKeyEncoder.successor(ofPrefix: prefix)) {
                    (key) throws(QuiverError) in
                    if case .string(let id)? = try? SortableKeyDecoder.decode(key).last { found.append(id) }
                    return found.count < count
                }
                if found.count == count { exhausted = false }
            case .allStrings:
                // Ids are in order within each string value only: read them all.
                let start = MetadataKeys.indexPrefix(type: type, attribute: attribute, value: .string(""))
                let end = MetadataKeys.indexPrefix(type: type, attribute: attribute, value: .bytes([]))
                var all: [String] = []
                try scan(snapshot, MetadataKeys.entityIndex, from: start, below: end) { (key) throws(QuiverError) in
                    if case .string(let id)? = try? SortableKeyDecoder.decode(key).last, after.map({ precedes($0, id) }) ?? true {
                        all.append(id)
                    }
                    return true
                }
                let sorted = Array(Set(all)).sorted(by: precedes)
                found = Array(sorted.prefix(count))
                if sorted.count > count { exhausted = false }
            }
            ids.formUnion(found)
        }
        let sorted = ids.sorted(by: precedes)
        if sorted.count > count { return (Array(sorted.prefix(count)), false) }
        return (sorted, exhausted)
    }

    private func scan(
        _ snapshot: Snapshot, _ table: String, from start: [UInt8], below end: [UInt8],
        _ body: ([UInt8]) throws(QuiverError) -> Bool
    ) throws(QuiverError) {
        do {
            try snapshot.scan(table, from: Key(start), below: Key(end)) { record in try body(record.key.bytes) }
        } catch {
            throw QuiverError.wrap(error)
        }
    }

    private static func tag(_ plan: Plan) -> String {
        switch plan {
        case .scan: "s"
        case .probes: "p"
        case .range: "r"
        }
    }

    /// The position a cursor of this listing resumes after; a cursor of another listing (another
    /// type, attribute or plan) is refused, so it can never reach another type's entities.
    private func parse(_ cursor: String, plan: Plan) throws(QuiverError) -> [UInt8] {
        let refused = QuiverError(.invalidArgument, "cursor \(cursor.debugDescription) does not belong to this listing")
        guard cursor.hasPrefix(Self.tag(plan)), let bytes = CursorCoding.decode(String(cursor.dropFirst())) else { throw refused }
        switch plan {
        case .scan:
            guard bytes.starts(with: MetadataKeys.entityType(type)) else { throw refused }
        case .probes:
            guard String(validating: bytes, as: UTF8.self) != nil else { throw refused }
        case .range(let attribute, _, _):
            guard bytes.starts(with: MetadataKeys.indexPrefix(type: type, attribute: attribute)) else { throw refused }
        }
        return bytes
    }

    // MARK: Facets

    func counts(by attribute: String, in snapshot: Snapshot) throws(QuiverError) -> [FacetCount] {
        var counts: [SortableKeyComponent: (value: JSONValue, count: Int)] = [:]
        func count(_ component: SortableKeyComponent, _ value: JSONValue) {
            counts[component, default: (value, 0)].count += 1
        }
        if filter == nil, indexed.contains(attribute) {
            let prefix = MetadataKeys.indexPrefix(type: type, attribute: attribute)
            do {
                try snapshot.scan(MetadataKeys.entityIndex, from: Key(prefix), below: Key(SortableKeyEncoder.successor(ofPrefix: prefix))) {
                    record in
                    let components = try SortableKeyDecoder.decode(record.key.bytes)
                    guard components.count == 4 else { return true }
                    let component = components[2]
                    switch (MetadataKeys.IndexOrigin(rawValue: record.value.first ?? 0), component) {
                    case (.numericString, _), (.array, _): break
                    case (.boolean, .number(let n)): count(.bool(n != 0), .bool(n != 0))
                    case (_, .null): count(component, .null)
                    case (_, .number(let n)): count(component, .number(n))
                    case (_, .string(let s)): count(component, .string(s))
                    default: break
                    }
                    return true
                }
            } catch { throw QuiverError.wrap(error) }
        } else {
            let prefix = MetadataKeys.entityType(type)
            do {
                try snapshot.scan(MetadataKeys.entities, from: Key(prefix), below: Key(SortableKeyEncoder.successor(ofPrefix: prefix))) {
                    record in
                    let entity = try EntityRecord(decoding: record.value)
                    if let filter, !filter.matches(attributes: entity.attributes) { return true }
                    guard let value = try JSONFieldReader(entity.attributes).value(forKey: attribute) else { return true }
                    let values: [JSONValue]
                    if case .array(let elements) = value { values = Array(Set(elements.map(HashableJSON.init))).map(\.value) } else { values = [value] }
                    for element in values {
                        switch element {
                        case .null: count(.null, .null)
                        case .bool(let b): count(.bool(b), .bool(b))
                        case .number(let n): count(.number(n), .number(n))
                        case .string(let s): count(.string(s), .string(s))
                        case .array, .object: break
                        }
                    }
                    return true
                }
            } catch { throw QuiverError.wrap(error) }
        }
        return counts.sorted { a, b in a.value.count != b.value.count ? a.value.count > b.value.count : a.key < b.key }
            .map { FacetCount(value: $0.value.value, count: $0.value.count) }
    }
}

/// A JSON scalar usable as a set element (facet counting de-duplicates an array's elements).
private struct HashableJSON: Hashable {
    let value: JSONValue
    static func == (a: HashableJSON, b: HashableJSON) -> Bool { a.value == b.value }
    func hash(into hasher: inout Hasher) { hasher.combine(value.description) }
}

extension Snapshot {
    /// The stored record of entity `ref`, or `nil`.
    func entityRecord(_ ref: EntityRef) throws(QuiverError) -> EntityRecord? {
        let record: Record?
        do { record = try self.record(Key(MetadataKeys.entity(ref)), in: MetadataKeys.entities) } catch { throw QuiverError(error) }
        return try record.map { (record) throws(QuiverError) in try EntityRecord(decoding: record.value) }
    }
}
