/// Why an input could not be decoded: the JSON path of the culprit and the problem, e.g.
/// `Results[3].Vulnerabilities[12].Severity: expected a string`.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON path to the offending value; empty for the document as a whole.
    public var path: String
    public var message: String

    public init(path: String = "", _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
