/// Klaxon's `file_configs` entry: append each notification as one JSON line to `path`.
public struct FileConfig: Sendable, Hashable {
    /// File to append JSON lines to.
    public var path: String
    /// `send_resolved`; default true.
    public var sendResolved: Bool

    public init(path: String, sendResolved: Bool = true) {
        self.path = path
        self.sendResolved = sendResolved
    }
}
