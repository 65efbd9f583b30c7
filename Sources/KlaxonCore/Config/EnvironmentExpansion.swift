/// `${NAME}` and `${NAME:-default}` in config text, replaced from the environment before
/// parsing, so secrets and per-host values stay out of files. `$$` is a literal `$`.
public enum EnvironmentExpansion {
    /// - Throws: `ConfigError` naming the line of a `${NAME}` whose variable is unset and has
    ///   no default.
    public static func expand(_ text: String, file: String, environment: [String: String]) throws(ConfigError) -> String {
        var out = ""
        var line = 1
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "\n" { line += 1 }
            guard c == "$" else { out.append(c); i = text.index(after: i); continue }
            let next = text.index(after: i)
            if next < text.endIndex && text[next] == "$" { out.append("$"); i = text.index(after: next); continue }
            guard next < text.endIndex, text[next] == "{", let close = text[next...].firstIndex(of: "}") else {
                out.append(c); i = next; continue
            }
            let body = text[text.index(after: next)..<close]
            let (name, fallback): (Substring, Substring?) = {
                if let r = body.range(of: ":-") { return (body[..<r.lowerBound], body[r.upperBound...]) }
                return (body, nil)
            }()
            if let value = environment[String(name)], !value.isEmpty {
                out += value
            } else if let fallback {
                out += fallback
            } else {
                throw ConfigError(
                    code: .invalidValue, file: file, line: line, column: 0, keyPath: "",
                    reason: "environment variable \(name) is not set (use ${\(name):-default} for a default)")
            }
            i = text.index(after: close)
        }
        return out
    }
}
