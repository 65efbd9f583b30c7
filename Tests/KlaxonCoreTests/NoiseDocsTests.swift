import Foundation
import Testing
@testable import KlaxonCore

/// docs/noise.md must not drift from the code: its YAML examples load, its precedence list is
/// the implemented one, and its import example is what the importer prints.
@Suite struct NoiseDocsTests {
    static func docs() throws -> String {
        let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let url = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/noise.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Fenced blocks of the given info string, in order.
    static func blocks(_ text: String, fence: String) -> [String] {
        var out: [String] = []
        var current: [Substring]?
        var info = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```") {
                current = []
                info = String(line.dropFirst(3))
            } else if current != nil, line == "```" {
                if info == fence { out.append(current!.joined(separator: "\n")) }
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return out
    }

    @Test func yamlExamplesLoad() throws {
        let yaml = Self.blocks(try Self.docs(), fence: "yaml").filter { $0.hasPrefix("suppressions:") || $0.hasPrefix("thresholds:") }
        #expect(yaml.count == 3)
        let config = try NoiseConfig.load(yaml.enumerated().map { ConfigSource(file: "docs/noise.md#\($0.offset)", yaml: $0.element) })
        #expect(config.suppressions.count == 4 + 3)
        #expect(config.thresholds.map(\.name) == ["shell-bursts", "flappy-runtime"])
    }

    @Test func importExampleIsWhatTheImporterPrints() throws {
        let docs = try Self.docs()
        let plain = try #require(Self.blocks(docs, fence: "").first { $0.hasPrefix("# Accepted base-image") })
        let yaml = try #require(Self.blocks(docs, fence: "yaml").first { $0.contains("# from .trivyignore:2") })
        #expect(TrivyIgnore.renderYAML(plain, owner: "secops", file: ".trivyignore") == yaml + "\n")
    }

    @Test func precedenceListMatchesTheCode() throws {
        let docs = try Self.docs()
        let section = try #require(docs.components(separatedBy: "## Precedence").last)
        let listed = section.split(separator: "\n").filter { $0.first?.isNumber == true }.prefix(6).map { line in
            String(line.split(separator: "`")[1])
        }
        #expect(listed == SuppressionReason.precedence.map(\.rawValue))
        let metrics = try #require(Self.blocks(docs, fence: "").first { $0.hasPrefix("klaxon_alerts_suppressed_total") })
        #expect(metrics.split(separator: "\n").map { String($0.split(separator: "\"")[1]) } == SuppressionReason.precedence.map(\.rawValue))
    }
}
