import Foundation

/// A compiled, fully anchored regular expression over one label value, as Alertmanager builds
/// it (`^(?:regex)$`). Compiled once. Patterns that are alternations of literals, optionally
/// with a leading or trailing `.*` (`web|frontend`, `staging.*`, `.*-prod`), are answered with
/// string comparisons; anything else goes to the regex engine (ICU via NSRegularExpression).
final class LabelPattern: Sendable {
    /// One `|`-separated branch of a simple pattern: `[.*]literal[.*]`.
    private struct Branch: Sendable {
        let literal: String
        let anyBefore: Bool
        let anyAfter: Bool

        /// Bytewise, as Go compares strings.
        func matches(_ v: String) -> Bool {
            switch (anyBefore, anyAfter) {
            case (false, false): return v == literal
            case (false, true): return v.utf8.starts(with: literal.utf8)
            case (true, false): return v.utf8.count >= literal.utf8.count && v.utf8.reversed().starts(with: literal.utf8.reversed())
            case (true, true): return literal.isEmpty || LabelPattern.contains(v, literal)
            }
        }
    }

    private static func contains(_ haystack: String, _ needle: String) -> Bool {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        guard n.count <= h.count else { return false }
        for start in 0...(h.count - n.count) where h[start] == n[0] {
            if h[start..<(start + n.count)].elementsEqual(n) { return true }
        }
        return false
    }

    private let source: String
    /// The exact strings the pattern matches, when it is an alternation of plain literals.
    private let literals: Set<String>?
    /// Branches when the pattern is simple but uses `.*`; `.` never matches a newline.
    private let branches: [Branch]?
    private let regex: CompiledRegex

    init(regex source: String) throws(MatcherError) {
        self.source = source
        do {
            // RE2's `(?P<name>…)` is ICU's `(?<name>…)`.
            let icu = source.replacingOccurrences(of: "(?P<", with: "(?<")
            self.regex = CompiledRegex(try NSRegularExpression(pattern: "\\A(?:" + icu + ")\\z", options: []))
        } catch {
            throw MatcherError("invalid regular expression \"\(source)\"")
        }
        if let parsed = LabelPattern.simpleBranches(source) {
            if parsed.allSatisfy({ !$0.anyBefore && !$0.anyAfter }) {
                literals = Set(parsed.map(\.literal))
                branches = nil
            } else {
                literals = nil
                branches = parsed
            }
        } else {
            literals = nil
            branches = nil
        }
    }

    /// The exact values matched, when the pattern is an alternation of plain literals.
    var literalAlternatives: [String]? { literals.map { $0.sorted() } }

    /// The literal every match starts with, when the pattern is a single `literal.*` branch.
    var literalPrefix: String? {
        guard let branches, branches.count == 1, !branches[0].anyBefore, branches[0].anyAfter,
              !branches[0].literal.isEmpty else { return nil }
        return branches[0].literal
    }

    func matches(_ value: String) -> Bool {
        if let literals { return literals.contains(value) }
        if let branches, !value.utf8.contains(10) {
            for b in branches where b.matches(value) { return true }
            return false
        }
        return regex.matches(value)
    }

    /// Splits `a|b.*|.*c` into branches, or nil when any branch uses other regex syntax.
    private static func simpleBranches(_ source: String) -> [Branch]? {
        var result: [Branch] = []
        var literal = ""
        var anyBefore = false
        var anyAfter = false
        var chars = Array(source.unicodeScalars)[...]
        func finish() { result.append(Branch(literal: literal, anyBefore: anyBefore, anyAfter: anyAfter)) }
        while let c = chars.popFirst() {
            if anyAfter && c != "|" { return nil }
            switch c {
            case "|":
                finish()
                literal = ""; anyBefore = false; anyAfter = false
            case ".":
                guard chars.first == "*" else { return nil }
                chars.removeFirst()
                if literal.isEmpty && !anyBefore { anyBefore = true } else { anyAfter = true }
            case "\\":
                guard let next = chars.popFirst() else { return nil }
                let isPunct = next.isASCII && !(next.properties.isAlphabetic || ("0"..."9").contains(next)) && next != " "
                guard isPunct else { return nil }
                literal.unicodeScalars.append(next)
            case "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$":
                return nil
            default:
                literal.unicodeScalars.append(c)
            }
        }
        finish()
        // `.*` alone is "anything": one branch with anyBefore and empty literal.
        return result.map { b in
            b.literal.isEmpty && b.anyBefore && !b.anyAfter ? Branch(literal: "", anyBefore: true, anyAfter: true) : b
        }
    }
}

/// An `NSRegularExpression`, which is immutable after creation and documented as safe to use
/// from several threads at once; that is why this box may be `@unchecked Sendable`.
struct CompiledRegex: @unchecked Sendable {
    let expression: NSRegularExpression
    init(_ expression: NSRegularExpression) { self.expression = expression }

    func matches(_ value: String) -> Bool {
        let range = NSRange(location: 0, length: value.utf16.count)
        return expression.firstMatch(in: value, options: [.anchored], range: range) != nil
    }
}
