import Foundation

/// Imports Trivy's plain `.trivyignore` into ignore rules (`klaxon suppressions import`).
///
/// The format, as Trivy's own parser (`pkg/result/ignore.go`) reads it: one finding id per
/// line; surrounding whitespace is trimmed; empty lines and lines starting with `#` are
/// skipped; further whitespace-separated fields are ignored except the first `exp:YYYY-MM-DD`,
/// the expiry (the id applies until that day's 00:00 UTC inclusive). A line whose `exp:` date
/// does not parse is skipped, as Trivy skips it (reported here as a warning). Trivy applies an
/// id to every scanner (vulnerability, misconfiguration ID or AVD ID, secret rule), so each
/// line becomes a rule with an `id` condition.
///
/// Klaxon additionally keeps the *why*: a `# comment` after the id on the same line is the
/// reason; otherwise the comment block directly above it when that id is the only one under
/// the block (up to an empty line or the next comment), otherwise a reason saying where the id
/// came from. A block over several ids is a section header (`# Ignore list for shop-api`),
/// not the reason of each: it is quoted as context in their generated reason instead.
public enum TrivyIgnore {
    /// A line that was skipped, with why.
    public struct Warning: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// Rules plus the lines that could not be imported.
    public struct Import: Sendable, Hashable {
        public var rules: [IgnoreRule]
        public var warnings: [Warning]
    }

    /// The rules of a `.trivyignore` text; `owner` is set on every rule, `file` is cited in origins.
    public static func parse(_ text: String, owner: String, file: String) -> [IgnoreRule] {
        read(text, owner: owner, file: file).rules
    }

    /// Like `parse`, also returning warnings for skipped lines.
    public static func read(_ text: String, owner: String, file: String) -> Import {
        var rules: [IgnoreRule] = []
        var warnings: [Warning] = []
        var block: [String] = []
        // The ids read since the last empty or comment line: a block above them is the reason
        // only of a single id.
        var group: [(id: String, line: Int, expires: Date?, inline: String?)] = []
        func flush() {
            let header = block.joined(separator: " ")
            for e in group {
                var reason = e.inline ?? ""
                if reason.isEmpty && group.count == 1 { reason = header }
                if reason.isEmpty {
                    reason = "imported from \(file):\(e.line) (no reason given"
                        + (header.isEmpty ? ")" : "; listed under the comment \"\(header)\")")
                }
                rules.append(IgnoreRule(ids: [e.id], reason: reason, owner: owner, expires: e.expires,
                                        origin: ConfigOrigin(file: file, line: e.line, column: 1, keyPath: "")))
            }
            group = []
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (i, raw) in lines.enumerated() {
            let lineNo = i + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flush()
                block = []
                continue
            }
            if line.hasPrefix("#") {
                if !group.isEmpty { flush(); block = [] }
                let comment = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                if !comment.isEmpty { block.append(comment) }
                continue
            }
            let fields = line.split(whereSeparator: \.isWhitespace)
            let id = String(fields[0])
            var expires: Date?
            if let exp = fields.first(where: { $0.hasPrefix("exp:") }) {
                let day = String(exp.dropFirst(4))
                guard let d = NoiseConfigDecoder.parseDay(day) else {
                    warnings.append(Warning(file: file, line: lineNo,
                                            message: "\(id): invalid expiration date \"\(day)\" (expected YYYY-MM-DD); line skipped, as Trivy skips it"))
                    continue
                }
                expires = d
            }
            group.append((id, lineNo, expires, inlineComment(line)))
        }
        flush()
        return Import(rules: rules, warnings: warnings)
    }

    /// The text after the first `#` that follows whitespace, trimmed; nil when there is none.
    private static func inlineComment(_ line: String) -> String? {
        var previous: Character = "x"
        for idx in line.indices {
            let c = line[idx]
            if c == "#" && previous.isWhitespace {
                let rest = line[line.index(after: idx)...].drop { $0 == "#" }
                return rest.trimmingCharacters(in: .whitespaces)
            }
            previous = c
        }
        return nil
    }

    /// A `suppressions:` section for the rules of a `.trivyignore`, ready to paste into `routes/*.yml`.
    public static func renderYAML(_ text: String, owner: String, file: String) -> String {
        SuppressionYAML.render(parse(text, owner: owner, file: file))
    }
}
