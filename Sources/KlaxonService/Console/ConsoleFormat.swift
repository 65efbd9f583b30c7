import Foundation
import KlaxonCore

/// How the console writes times, ages, severities and label sets.
enum ConsoleFormat {
    struct SeverityView: Sendable {
        let name: String
        let score: Int
        init(_ s: Severity) {
            name = s.name
            score = s.score
        }
    }

    struct Pair: Sendable {
        let key: String
        let value: String
    }

    /// `2026-12-02 03:14:16Z`.
    static func time(_ date: Date?) -> String? {
        date.map { $0.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)) }
    }

    /// `45s`, `12m`, `3h 5m`, `2d 4h`.
    static func age(_ seconds: TimeInterval) -> String {
        let s = max(Int(seconds), 0)
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m"
        case ..<86_400: return "\(s / 3600)h \(s % 3600 / 60)m"
        default: return "\(s / 86_400)d \(s % 86_400 / 3600)h"
        }
    }

    static func pairs(_ labels: [String: String]) -> [Pair] {
        labels.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) }
    }

    /// The labels that say what an alert is about, compactly (as the demo's table).
    static func subject(_ l: [String: String]) -> String {
        let keys = ["cve", "package", "image", "host", "container", "namespace", "rule"]
        return keys.compactMap { k in l[k].map { "\(k)=\($0.count <= 48 ? $0 : String($0.prefix(47)) + "…")" } }.prefix(3).joined(separator: " ")
    }

    /// Where the severity came from: the source's own word and any site override.
    static func severityOrigin(_ alert: Alert) -> String {
        var parts: [String] = []
        let source = alert.source ?? "the source"
        if let native = alert.annotations["native_severity"], !native.isEmpty {
            parts.append("\(source) said \(native)")
        } else {
            parts.append("from \(source)")
        }
        if let original = alert.annotations["original_severity"] {
            parts.append("overridden by severity_overrides (was \(original))")
        }
        return parts.joined(separator: "; ")
    }

    /// An error as a page shows it: an API failure's message, else its description.
    static func message(_ error: any Error) -> String { (error as? ApiFailure)?.message ?? "\(error)" }

    /// Parses matchers typed one per line (or separated by commas outside quotes and braces).
    static func matchers(_ text: String) throws -> [Matcher] {
        var out: [Matcher] = []
        for line in splitMatchers(text) {
            do { out.append(try Matcher(parsing: line)) } catch { throw ApiFailure(.badRequest, "bad matcher \(line): \(error.message)") }
        }
        return out
    }

    static func splitMatchers(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in text {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" && quoted { current.append(c); escaped = true; continue }
            if c == "\"" { quoted.toggle() }
            if !quoted && (c == "\n" || c == "\r" || c == ",") {
                parts.append(current)
                current = ""
            } else if !quoted && (c == "{" || c == "}") {
                continue
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `name=value` lines (or comma-separated) as a label set.
    static func labels(_ text: String) throws -> [String: String] {
        var set: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let l = line.trimmingCharacters(in: .whitespaces)
            guard !l.isEmpty else { continue }
            guard let eq = l.firstIndex(of: "="), eq != l.startIndex else { throw ApiFailure(.badRequest, "labels must be name=value, got \(l)") }
            var value = String(l[l.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            set[String(l[..<eq]).trimmingCharacters(in: .whitespaces)] = value
        }
        return set
    }
}
