extension RoutingConfig {
    /// Whether a YAML document is a routing file (an alertmanager.yml or a Klaxon routes file)
    /// rather than a service config: its top level names `route` or `receivers` and not
    /// `kafka`. Lets `klaxon config check` take either kind of file. Unparsable YAML is not a
    /// routing file (the service-config check then reports the syntax error).
    public static func isRoutingDocument(yaml: String, file: String) -> Bool {
        guard let root = try? RoutingConfigDecoder(file: file).root(yaml: yaml), case let .mapping(m) = root.node else { return false }
        let keys = Set(m.keys.compactMap(\.string))
        return !keys.contains("kafka") && (keys.contains("route") || keys.contains("receivers"))
    }
}
