/// A routing tree compiled for fast matching. Same answers as `Route.match` (the reference
/// implementation), but label names are resolved once per alert, not once per matcher, and a
/// node with many children indexes them by the value of their most common equality matcher,
/// so a 1,000-route tree is not scanned route by route. Built once per configuration load.
public struct RoutingTree: Sendable {
    struct Condition: Sendable {
        let slot: Int
        let matcher: Matcher
    }

    /// Children positions by the value of a label they require, per label slot, plus the
    /// children that cannot be indexed. Every position appears in exactly one list.
    struct ChildIndex: Sendable {
        let slots: [(slot: Int, byValue: [String: [Int]])]
        /// Children requiring `label=~"prefix.*"`: positions by prefix, and the prefix lengths present.
        let prefixes: (slot: Int, byPrefix: [String: [Int]], lengths: [Int])?
        let unindexed: [Int]
    }

    struct Node: Sendable {
        var conditions: [Condition]
        var minSeverity: Severity.Level?
        var continues: Bool
        var children: [Int]
        var index: ChildIndex?
    }

    /// The tree as configured.
    public let root: Route
    /// Every route, depth first; position = node number.
    private let routes: [Route]
    private let nodes: [Node]
    /// Label names used by matchers; position = slot.
    private let slots: [String]

    /// Nodes with at least this many children get a child index.
    static let indexThreshold = 8

    public init(root: Route) {
        self.root = root
        var routes: [Route] = []
        var nodes: [Node] = []
        var slotOf: [String: Int] = [:]
        var slots: [String] = []
        func slot(_ name: String) -> Int {
            if let s = slotOf[name] { return s }
            slots.append(name)
            slotOf[name] = slots.count - 1
            return slots.count - 1
        }
        @discardableResult
        func add(_ route: Route) -> Int {
            let id = routes.count
            routes.append(route)
            nodes.append(Node(conditions: route.matchers.map { Condition(slot: slot($0.name), matcher: $0) },
                              minSeverity: route.minSeverity, continues: route.continue, children: [], index: nil))
            var children: [Int] = []
            for child in route.routes { children.append(add(child)) }
            nodes[id].children = children
            if children.count >= RoutingTree.indexThreshold {
                let index = RoutingTree.buildIndex(children.map { nodes[$0].conditions })
                    if !index.slots.isEmpty || index.prefixes != nil { nodes[id].index = index }
            }
            return id
        }
        add(root)
        self.routes = routes
        self.nodes = nodes
        self.slots = slots
    }

    /// The values a child's conditions require for a slot (equality, or a regex that is an
    /// alternation of literals), or nil when the child takes other values too.
    private static func requiredValues(_ conditions: [Condition], slot: Int) -> [String]? {
        for c in conditions where c.slot == slot {
            if c.matcher.type == .equal { return [c.matcher.value] }
            if c.matcher.type == .regex, let literals = c.matcher.literalAlternatives { return literals }
        }
        return nil
    }

    private static func buildIndex(_ children: [[Condition]]) -> ChildIndex {
        var counts: [Int: Int] = [:]
        for conditions in children {
            for s in Set(conditions.map(\.slot)) where requiredValues(conditions, slot: s) != nil { counts[s, default: 0] += 1 }
        }
        // Each child goes under the most common slot it can be indexed by.
        let order = counts.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.map(\.key)
        var bySlot: [Int: [String: [Int]]] = [:]
        var rest: [Int] = []
        for (position, conditions) in children.enumerated() {
            if let s = order.first(where: { requiredValues(conditions, slot: $0) != nil }),
               let values = requiredValues(conditions, slot: s) {
                for v in Set(values) { bySlot[s, default: [:]][v, default: []].append(position) }
            } else {
                rest.append(position)
            }
        }
        // Of the rest, index those with a `prefix.*` regex on the most common such label.
        func prefix(_ conditions: [Condition], _ slot: Int) -> String? {
            conditions.first { $0.slot == slot && $0.matcher.literalPrefix != nil }?.matcher.literalPrefix
        }
        var prefixCounts: [Int: Int] = [:]
        for p in rest {
            for s in Set(children[p].map(\.slot)) where prefix(children[p], s) != nil { prefixCounts[s, default: 0] += 1 }
        }
        var prefixes: (slot: Int, byPrefix: [String: [Int]], lengths: [Int])?
        var unindexed = rest
        if let best = prefixCounts.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }), best.value >= indexThreshold {
            var byPrefix: [String: [Int]] = [:]
            unindexed = []
            for p in rest {
                if let literal = prefix(children[p], best.key) { byPrefix[literal, default: []].append(p) } else { unindexed.append(p) }
            }
            let lengths = Set(byPrefix.keys.map(\.utf8.count)).sorted()
            prefixes = (best.key, byPrefix, lengths)
        }
        return ChildIndex(slots: order.compactMap { s in bySlot[s].map { (s, $0) } }, prefixes: prefixes, unindexed: unindexed)
    }

    /// Merges two ascending position lists.
    private static func merge(_ a: [Int], _ b: [Int]) -> [Int] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [Int] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
        }
        return out
    }

    /// Matching routes in Alertmanager's order (see `Route.match`).
    public func match(_ labels: [String: String], severity: Severity.Level? = nil) -> [Route] {
        matchIndices(labels, severity: severity).map { routes[$0] }
    }

    /// Receiver names in route order.
    public func receivers(for labels: [String: String], severity: Severity.Level? = nil) -> [String] {
        matchIndices(labels, severity: severity).map { routes[$0].receiver }
    }

    private func matchIndices(_ labels: [String: String], severity: Severity.Level?) -> [Int] {
        var view = LabelView(labels: labels, slots: slots)
        var level = severity
        var out: [Int] = []
        _ = collect(0, &view, &level, &out)
        return out
    }

    private func collect(_ id: Int, _ view: inout LabelView, _ level: inout Severity.Level?, _ out: inout [Int]) -> Bool {
        for c in nodes[id].conditions where !c.matcher.matches(value: view.value(c.slot)) { return false }
        if let minSeverity = nodes[id].minSeverity {
            if level == nil { level = Route.severityLevel(label: view.labels["severity"]) }
            if level! < minSeverity { return false }
        }
        let before = out.count
        let children = nodes[id].children
        if let index = nodes[id].index {
            var hits: [Int] = []
            for (slot, byValue) in index.slots {
                if let found = byValue[view.value(slot) ?? ""] { hits = RoutingTree.merge(hits, found) }
            }
            if let (slot, byPrefix, lengths) = index.prefixes, let value = view.value(slot) {
                let bytes = value.utf8
                for length in lengths {
                    guard length <= bytes.count else { break }
                    let end = bytes.index(bytes.startIndex, offsetBy: length)
                    if let key = String(bytes[..<end]), let found = byPrefix[key] { hits = RoutingTree.merge(hits, found) }
                }
            }
            let rest = index.unindexed
            var i = 0, j = 0
            while i < hits.count || j < rest.count {
                let position: Int
                if j >= rest.count || (i < hits.count && hits[i] < rest[j]) { position = hits[i]; i += 1 }
                else { position = rest[j]; j += 1 }
                let child = children[position]
                if collect(child, &view, &level, &out) && !nodes[child].continues { break }
            }
        } else {
            for child in children {
                if collect(child, &view, &level, &out) && !nodes[child].continues { break }
            }
        }
        if out.count == before { out.append(id) }
        return true
    }
}

/// An alert's labels looked up by slot, each name at most once per alert.
struct LabelView {
    let labels: [String: String]
    let slots: [String]
    private var cache: [String?]
    private var known: [Bool]

    init(labels: [String: String], slots: [String]) {
        self.labels = labels
        self.slots = slots
        self.cache = Array(repeating: nil, count: slots.count)
        self.known = Array(repeating: false, count: slots.count)
    }

    @inline(__always)
    mutating func value(_ slot: Int) -> String? {
        if known[slot] { return cache[slot] }
        let v = labels[slots[slot]]
        cache[slot] = v
        known[slot] = true
        return v
    }
}

extension RoutingTree {
    /// Matching routes for a normalized alert: its labels, and its OCSF severity for `min_severity`.
    public func match(_ alert: Alert) -> [Route] {
        match(alert.labels, severity: alert.severity.level)
    }
}
