import Yams

/// Walks the YAML of one routing document strictly, collecting warnings and the names it
/// references (receivers, time intervals), which are checked once all files are merged.
struct RoutingConfigDecoder {
    let file: String
    var warnings: [ConfigWarning] = []
    /// Receiver names used by routes, with where they were used.
    var receiverReferences: [(name: String, node: ConfigNode)] = []
    /// Time interval names used by routes, with where they were used.
    var timeIntervalReferences: [(name: String, node: ConfigNode)] = []
    /// Escalation policy names used by routes (`escalation:`), with where they were used.
    var escalationReferences: [(name: String, node: ConfigNode)] = []
    /// `source="…"` matchers of the route nodes above the one being decoded (a child of a
    /// route that selects Trivy findings routes only Trivy findings).
    var pinnedSources: [Matcher] = []

    init(file: String) { self.file = file }

    /// Parses YAML text into the root node; YAML syntax errors become `ConfigError.syntax`.
    func root(yaml: String) throws(ConfigError) -> ConfigNode? {
        do {
            guard let node = try Yams.compose(yaml: yaml) else { return nil }
            return ConfigNode(node: node, file: file, path: "")
        } catch let error as YamlError {
            throw RoutingConfigDecoder.syntaxError(error, file: file)
        } catch {
            throw ConfigError(code: .syntax, file: file, line: 0, column: 0, keyPath: "", reason: "\(error)")
        }
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let reason = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return ConfigError(code: .syntax, file: file, line: mark.line, column: mark.column, keyPath: "",
                               reason: "yaml: " + reason)
        case let .duplicatedKeysInMapping(duplicates, _):
            return ConfigError(code: .duplicate, file: file, line: 0, column: 0, keyPath: "",
                               reason: "yaml: duplicate keys \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(code: .syntax, file: file, line: 0, column: 0, keyPath: "", reason: "yaml: \(error)")
        }
    }

    /// A severity level name (`low`, `high`, …) for `min_severity`.
    func severityLevel(_ node: ConfigNode) throws(ConfigError) -> Severity.Level {
        let s = try node.string()
        guard let level = Severity.Level(name: s) else {
            throw node.error(.invalidValue, "unknown severity \"\(s)\" (expected one of unknown, info, low, medium, high, critical, fatal)")
        }
        return level
    }

    /// A list of matcher strings, each possibly holding several matchers; sorted as Alertmanager does.
    func matcherList(_ node: ConfigNode) throws(ConfigError) -> [Matcher] {
        var out: [Matcher] = []
        for item in try node.sequence() {
            let text = try item.string()
            do {
                out.append(contentsOf: try Matcher.parseList(text))
            } catch {
                throw item.error(.invalidValue, error.message)
            }
        }
        return out.sorted(by: Matcher.alertmanagerOrder)
    }

    /// The older `match` (equality) or `match_re` (regex) map.
    func matcherMap(_ node: ConfigNode, type: MatchType) throws(ConfigError) -> [Matcher] {
        var out: [Matcher] = []
        for (name, value, valueNode) in try node.stringMap() {
            guard Matcher.isValidLabelName(name) else {
                throw valueNode.error(.invalidValue, "invalid label name \"\(name)\"")
            }
            do {
                out.append(try Matcher(type, name: name, value: value))
            } catch {
                throw valueNode.error(.invalidValue, error.message)
            }
        }
        return out
    }
}
