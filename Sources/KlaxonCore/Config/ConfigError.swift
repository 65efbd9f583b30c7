/// A routing configuration that was refused: where (file, line, column, key path) and why.
///
/// `description` reads `routes/team.yml:12:15: route.routes[2].receiver: undefined receiver "team-X" used in route`.
/// Line and column count from 1; they are 0 when the culprit has no position (for example an
/// empty document). The key path is empty for errors about the whole document.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of mistake this is; a closed choice that can grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case syntax, unknownKey, missingKey, invalidValue, undefinedReference, duplicate
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The YAML itself does not parse.
        public static let syntax = Code(.syntax)
        /// A key that the schema does not know (decoding is strict).
        public static let unknownKey = Code(.unknownKey)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// A value has the wrong type or shape (bad duration, bad matcher, bad regex, …).
        public static let invalidValue = Code(.invalidValue)
        /// A name (receiver, time interval) is used but never defined.
        public static let undefinedReference = Code(.undefinedReference)
        /// A name is defined twice, or a section appears in two files.
        public static let duplicate = Code(.duplicate)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// The file name given to the loader (not read by it).
    public var file: String
    /// 1-based line of the culprit, 0 when unknown.
    public var line: Int
    /// 1-based column of the culprit, 0 when unknown.
    public var column: Int
    /// Dotted key path of the culprit, e.g. `route.routes[2].receiver`.
    public var keyPath: String
    /// Human reason, Alertmanager's wording where Alertmanager has one.
    public var reason: String

    public init(code: Code, file: String, line: Int, column: Int, keyPath: String, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String {
        var s = file
        if line > 0 { s += ":\(line):\(column)" }
        s += ": "
        if !keyPath.isEmpty { s += keyPath + ": " }
        return s + reason
    }
}
