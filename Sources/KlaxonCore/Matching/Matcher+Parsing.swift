extension Matcher {
    /// Parses one matcher, `name="value"`, `name=~"re"`, or unquoted `name=value`, with
    /// Alertmanager's rules: spaces around the operator are ignored, `\"`, `\\` and `\n` are
    /// escapes inside the value, any other backslash is literal.
    public init(parsing text: String) throws(MatcherError) {
        guard let (name, op, raw) = Matcher.split(text) else {
            throw MatcherError("bad matcher format: \(text)")
        }
        var rawValue = Substring(raw)
        var expectTrailingQuote = false
        if rawValue.hasPrefix("\"") {
            rawValue = rawValue.dropFirst()
            expectTrailingQuote = true
        }
        var value = ""
        var escaped = false
        let scalars = Array(rawValue.unicodeScalars)
        for (i, r) in scalars.enumerated() {
            if escaped {
                escaped = false
                switch r {
                case "n": value += "\n"
                case "\"", "\\": value.unicodeScalars.append(r)
                default:
                    value += "\\"
                    value.unicodeScalars.append(r)
                }
                continue
            }
            switch r {
            case "\\":
                if i < scalars.count - 1 { escaped = true; continue }
                value += "\\"
            case "\"":
                if !expectTrailingQuote || i < scalars.count - 1 {
                    throw MatcherError("matcher value contains unescaped double quote: \(raw)")
                }
                expectTrailingQuote = false
            default:
                value.unicodeScalars.append(r)
            }
        }
        if expectTrailingQuote {
            throw MatcherError("matcher value contains unescaped double quote: \(raw)")
        }
        try self.init(op, name: name, value: value)
    }

    /// Parses a matcher list: `{a="b", c=~"d"}`, `a="b",c!="d"` or a single bare `a=b`.
    /// Commas inside quotes belong to the value. An empty list (`{}` or "") is allowed.
    public static func parseList(_ text: String) throws(MatcherError) -> [Matcher] {
        var s = Substring(text)
        if s.hasPrefix("{") { s = s.dropFirst() }
        if s.hasSuffix("}") { s = s.dropLast() }
        var tokens: [String] = []
        var token = ""
        var insideQuotes = false
        var escaped = false
        for r in s.unicodeScalars {
            switch r {
            case ",":
                if !insideQuotes {
                    tokens.append(token)
                    token = ""
                    continue
                }
            case "\"":
                if !escaped { insideQuotes.toggle() } else { escaped = false }
            case "\\":
                escaped.toggle()
            default:
                escaped = false
            }
            token.unicodeScalars.append(r)
        }
        let last = token.trimmingSpaces
        if !last.isEmpty { tokens.append(last) }
        var out: [Matcher] = []
        for t in tokens { out.append(try Matcher(parsing: t)) }
        return out
    }

    /// `^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$`
    private static func split(_ text: String) -> (String, MatchType, String)? {
        var s = Substring(text.trimmingSpaces)
        let name = s.prefix { c in c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == ":") }
        guard let first = name.first, !first.isNumber else { return nil }
        s = s.dropFirst(name.count)
        s = s.drop { $0.isWhitespace }
        let op: MatchType
        if s.hasPrefix("=~") { op = .regex }
        else if s.hasPrefix("!=") { op = .notEqual }
        else if s.hasPrefix("!~") { op = .notRegex }
        else if s.hasPrefix("=") { op = .equal }
        else { return nil }
        s = s.dropFirst(op.rawValue.count)
        s = s.drop { $0.isWhitespace }
        return (String(name), op, String(s))
    }
}

fileprivate extension String {
    /// The string without leading and trailing whitespace (Go's `\s` set and Unicode spaces).
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
