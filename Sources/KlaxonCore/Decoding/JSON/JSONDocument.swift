/// A parsed JSON text kept as a flat "tape" of nodes over the original bytes.
///
/// Why not `JSONSerialization`/`Codable`: they are several times slower on large Trivy reports,
/// turn 19-digit Falco `evt.time` integers into lossy doubles, and give no JSON path on type
/// errors. The tape allocates two arrays per document and materializes strings only when a
/// decoder asks for them.
///
/// Nodes are laid out in document order. A container node is followed by its children (for an
/// object: key, value, key, value, …); `next` is the index just past its subtree, so siblings
/// are reached without recursion. Several top-level values separated by whitespace (NDJSON) are
/// accepted; they are the `roots`.
struct JSONDocument: Sendable {
    enum Kind: UInt8, Sendable {
        case null, bool, number, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// string: contains escapes; number: is an integer (no fraction or exponent); bool: value.
        var flag: Bool
        /// Byte range of a string's contents (without quotes) or a number's text.
        var start: Int32
        var end: Int32
        /// Index of the first node after this node's subtree.
        var next: Int32
        /// Number of elements (array) or members (object).
        var count: Int32
    }

    let bytes: [UInt8]
    var nodes: [Node]
    var roots: [Int]

    /// Largest input accepted; anything bigger is refused rather than parsed (absurd sizes).
    static let maxBytes = 64 << 20
    /// Deepest nesting accepted (real inputs stay below 20); deeper input is refused, not recursed.
    static let maxDepth = 128

    init(bytes: [UInt8]) throws(DecodeError) {
        self.bytes = bytes
        self.nodes = []
        self.roots = []
        guard bytes.count <= Self.maxBytes else {
            throw DecodeError("input is \(bytes.count) bytes; the limit is \(Self.maxBytes)")
        }
        var parser = JSONParser(bytes: bytes)
        do {
            try parser.parseAll()
        } catch {
            // In NDJSON input, name the value that failed (1-based) once a previous one parsed.
            var path = error.path
            if !parser.roots.isEmpty {
                let value = "#\(parser.roots.count + 1)"
                path = path.isEmpty ? value : value + (path.hasPrefix("[") ? path : "." + path)
            }
            throw DecodeError(path: path, "\(error.message) (at byte \(error.offset))")
        }
        self.nodes = parser.nodes
        self.roots = parser.roots
    }

    @inline(__always) func kind(_ i: Int) -> Kind { nodes[i].kind }
}
