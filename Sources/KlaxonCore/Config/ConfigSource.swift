/// One configuration document handed to the loader: its text and the name errors should cite.
/// The loader never reads files; the caller does.
public struct ConfigSource: Sendable, Hashable {
    /// The name used in errors and warnings (usually the path the caller read).
    public var file: String
    /// The YAML text.
    public var yaml: String

    public init(file: String, yaml: String) {
        self.file = file
        self.yaml = yaml
    }
}
