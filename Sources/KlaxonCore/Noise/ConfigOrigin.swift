/// Where a configured rule was written: file, 1-based line and column, and its key path in that
/// file (`suppressions[1]`). Rules built in code (tests, importers) have no origin.
public struct ConfigOrigin: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Key path inside `file`, e.g. `suppressions[1]` or `thresholds[0]`.
    public var keyPath: String

    public init(file: String, line: Int, column: Int, keyPath: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    /// `routes/vulns.yml:14`
    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

extension ConfigNode {
    var origin: ConfigOrigin { ConfigOrigin(file: file, line: line, column: column, keyPath: path) }
}
