import Foundation
import KlaxonTesting
import Testing
@testable import KlaxonCore

/// The indexed `Inhibitor` (source alerts keyed by their `equal` label values) must give the
/// very answers of the plain scan it replaced: the same rule and the same source alert (the
/// first one in `firingAlerts` order), on seeded random rules and alerts.
@Suite struct InhibitionIndexTests {
    /// The straightforward implementation: Alertmanager's `Mutes`/`hasEqual` scan over every
    /// source alert of every rule whose target side matches.
    struct ReferenceInhibitor {
        let rules: [InhibitRule]
        let sources: [[[String: String]]]

        init(rules: [InhibitRule], firingAlerts: [[String: String]]) {
            self.rules = rules
            self.sources = rules.map { rule in firingAlerts.filter { rule.sourceMatchers.matches($0) } }
        }

        /// `excludingTwoSided: false` only to measure how often the exclusion decides a case.
        func inhibition(of labels: [String: String], excludingTwoSided: Bool = true) -> Inhibitor.Inhibition? {
            for (i, rule) in rules.enumerated() where rule.targetMatchers.matches(labels) {
                let excludeTwoSided = excludingTwoSided && rule.sourceMatchers.matches(labels)
                source: for s in sources[i] {
                    for name in rule.equal where (s[name] ?? "") != (labels[name] ?? "") { continue source }
                    if excludeTwoSided && rule.targetMatchers.matches(s) { continue source }
                    return Inhibitor.Inhibition(ruleIndex: i, sourceLabels: s)
                }
            }
            return nil
        }
    }

    typealias SeededRandom = SplitMix64

    /// Few names and values, so that matchers and `equal` labels often agree. "é" and "e\u{301}"
    /// are equal Strings (canonical equivalence), which the index must treat as the scan does.
    static let names = ["alertname", "severity", "cluster", "zone"]
    static let values = ["", "a", "b", "c", "é", "e\u{301}"]
    static let regexes = ["a|b", "a.*", ".*", "", "[bc]", "e.*|é", ".+"]

    static func randomLabels(_ rng: inout SeededRandom) -> [String: String] {
        var labels: [String: String] = [:]
        for name in names {
            if rng.chance(30) { continue }  // missing
            labels[name] = rng.chance(10) ? "" : rng.pick(values)
        }
        return labels
    }

    static func randomMatcher(_ rng: inout SeededRandom) throws -> Matcher {
        let type = rng.pick(MatchType.allCases)
        let name = rng.chance(90) ? rng.pick(names) : "absent"
        let value = type.isRegex ? rng.pick(regexes) : rng.pick(values)
        return try Matcher(type, name: name, value: value)
    }

    static func randomRule(_ rng: inout SeededRandom) throws -> InhibitRule {
        var source: [Matcher] = []
        var target: [Matcher] = []
        for _ in 0..<rng.int(3) { source.append(try randomMatcher(&rng)) }
        for _ in 0..<rng.int(3) { target.append(try randomMatcher(&rng)) }
        // 0–3 names, duplicates and never-present labels included.
        let equal = (0..<rng.int(4)).map { _ in rng.chance(85) ? rng.pick(names) : "absent" }
        return InhibitRule(sourceMatchers: source, targetMatchers: target, equal: equal)
    }

    struct Coverage {
        var checks = 0
        var inhibited = 0
        var notFirstSource = 0  // answer was not the first source alert of its rule
        var bothSides = 0       // checked alert matched both sides of some rule
        var bothSidesInhibited = 0
        var exclusionDecided = 0 // the two-sided exclusion changed the answer
    }

    /// Compares indexed and reference answers for every firing alert and as many fresh ones.
    static func compare(seed: UInt64, coverage: inout Coverage) throws {
        var rng = SeededRandom(seed: seed)
        let rules = try (0..<(1 + rng.int(4))).map { _ in try Self.randomRule(&rng) }
        var firing: [[String: String]] = []
        for _ in 0..<rng.int(40) {
            // Some exact duplicates: identical label sets firing twice keep their order.
            firing.append(!firing.isEmpty && rng.chance(10) ? rng.pick(firing) : randomLabels(&rng))
        }
        let checked = firing + (0..<40).map { _ in randomLabels(&rng) }

        let indexed = Inhibitor(rules: rules, firingAlerts: firing)
        let reference = ReferenceInhibitor(rules: rules, firingAlerts: firing)
        for labels in checked {
            let want = reference.inhibition(of: labels)
            let got = indexed.inhibition(of: labels)
            #expect(got == want, "seed \(seed): rules \(rules), firing \(firing), checked \(labels)")
            #expect(indexed.mutes(labels, at: .distantPast) == (want != nil))
            coverage.checks += 1
            let matchesBoth = rules.contains { $0.sourceMatchers.matches(labels) && $0.targetMatchers.matches(labels) }
            if matchesBoth { coverage.bothSides += 1 }
            if reference.inhibition(of: labels, excludingTwoSided: false) != want { coverage.exclusionDecided += 1 }
            if let want {
                coverage.inhibited += 1
                if matchesBoth { coverage.bothSidesInhibited += 1 }
                if want.sourceLabels != reference.sources[want.ruleIndex].first { coverage.notFirstSource += 1 }
            }
        }
    }

    @Test func indexedAnswersEqualTheReferenceScanOnRandomInputs() throws {
        var coverage = Coverage()
        for seed in 0..<UInt64(2_000) {
            try Self.compare(seed: 0x1_0000 + seed, coverage: &coverage)
        }
        // The random cases do reach the interesting paths, not just "no inhibition".
        #expect(coverage.checks > 100_000)
        #expect(coverage.inhibited > coverage.checks / 20)
        #expect(coverage.inhibited < coverage.checks * 19 / 20)
        #expect(coverage.notFirstSource > 1_000)
        #expect(coverage.bothSides > 10_000)
        #expect(coverage.bothSidesInhibited > 1_000)
        #expect(coverage.exclusionDecided > 1_000)
    }

    @Test func largeSnapshotMatchesReference() throws {
        var rng = SeededRandom(seed: 0xB16_5EED)
        let rules = try (0..<6).map { _ in try Self.randomRule(&rng) }
        let firing = (0..<3_000).map { _ in Self.randomLabels(&rng) }
        let indexed = Inhibitor(rules: rules, firingAlerts: firing)
        let reference = ReferenceInhibitor(rules: rules, firingAlerts: firing)
        for labels in firing.prefix(500) + (0..<500).map({ _ in Self.randomLabels(&rng) }) {
            #expect(indexed.inhibition(of: labels) == reference.inhibition(of: labels))
        }
    }

    // MARK: - The properties the index relies on, one by one

    func rule(source: String, target: String, equal: [String]) throws -> InhibitRule {
        InhibitRule(sourceMatchers: try Matcher.parseList(source), targetMatchers: try Matcher.parseList(target), equal: equal)
    }

    @Test func firstSourceInFiringOrderIsReported() throws {
        let r = try rule(source: "{s=\"1\"}", target: "{t=\"1\"}", equal: ["c"])
        let firing = [["s": "1", "c": "x", "n": "1"], ["s": "1", "c": "y", "n": "2"], ["s": "1", "c": "y", "n": "3"]]
        let inhibitor = Inhibitor(rules: [r], firingAlerts: firing)
        #expect(inhibitor.inhibition(of: ["t": "1", "c": "y"]) == .init(ruleIndex: 0, sourceLabels: firing[1]))
        #expect(inhibitor.inhibition(of: ["t": "1", "c": "x"]) == .init(ruleIndex: 0, sourceLabels: firing[0]))
        #expect(inhibitor.inhibition(of: ["t": "1", "c": "z"]) == nil)
    }

    @Test func firstRuleWinsEvenWhenALaterOneAlsoMatches() throws {
        let a = try rule(source: "{s=\"1\"}", target: "{t=\"1\"}", equal: ["c"])
        let b = try rule(source: "{s=~\"1|2\"}", target: "{t=\"1\"}", equal: [])
        let firing = [["s": "2"], ["s": "1", "c": "x"]]
        let inhibitor = Inhibitor(rules: [a, b], firingAlerts: firing)
        #expect(inhibitor.inhibition(of: ["t": "1", "c": "x"]) == .init(ruleIndex: 0, sourceLabels: firing[1]))
        #expect(inhibitor.inhibition(of: ["t": "1", "c": "y"]) == .init(ruleIndex: 1, sourceLabels: firing[0]))
    }

    @Test func twoSidedCandidateSkipsSourcesOnTheTargetSide() throws {
        // Source side: sev critical or warning; target side: sev warning. A warning alert
        // matches both sides, so only a critical source (outside the target side) mutes it,
        // even when a warning source with the same `equal` values fired first.
        let r = try rule(source: "{sev=~\"critical|warning\"}", target: "{sev=\"warning\"}", equal: ["app"])
        let warningFirst = ["sev": "warning", "app": "x", "n": "1"]
        let critical = ["sev": "critical", "app": "x", "n": "2"]
        let inhibitor = Inhibitor(rules: [r], firingAlerts: [warningFirst, critical])
        #expect(inhibitor.inhibition(of: ["sev": "warning", "app": "x"]) == .init(ruleIndex: 0, sourceLabels: critical))
        #expect(inhibitor.inhibition(of: warningFirst) == .init(ruleIndex: 0, sourceLabels: critical))
        // Only target-side sources with these values: no inhibition, not even by itself.
        let alone = Inhibitor(rules: [r], firingAlerts: [warningFirst])
        #expect(alone.inhibition(of: warningFirst) == nil)
        #expect(alone.inhibition(of: ["sev": "warning", "app": "y"]) == nil)
        // A target-only candidate (not on the source side) is muted by the first source with
        // its values, even one that matches both sides.
        let r2 = try rule(source: "{sev=~\"critical|warning\"}", target: "{kind=\"t\"}", equal: ["app"])
        let twoSidedSource = ["sev": "warning", "app": "x", "kind": "t"]
        let sources = Inhibitor(rules: [r2], firingAlerts: [twoSidedSource, critical])
        #expect(sources.inhibition(of: ["kind": "t", "app": "x"]) == .init(ruleIndex: 0, sourceLabels: twoSidedSource))
        // ... while a two-sided candidate skips it for the critical one.
        #expect(sources.inhibition(of: twoSidedSource) == .init(ruleIndex: 0, sourceLabels: critical))
    }

    @Test func missingAndEmptyEqualLabelsShareAKey() throws {
        let r = try rule(source: "{s=\"1\"}", target: "{t=\"1\"}", equal: ["zone", "c"])
        let inhibitor = Inhibitor(rules: [r], firingAlerts: [["s": "1", "zone": "", "c": "x"]])
        #expect(inhibitor.mutes(["t": "1", "c": "x"], at: .distantPast))
        #expect(inhibitor.mutes(["t": "1", "zone": "", "c": "x"], at: .distantPast))
        #expect(!inhibitor.mutes(["t": "1", "zone": "1", "c": "x"], at: .distantPast))
        #expect(!inhibitor.mutes(["t": "1"], at: .distantPast))
    }

    @Test func equalValuesKeepTheirOrder() throws {
        // ("x", "y") and ("y", "x") are different keys; no concatenation ambiguity either.
        let r = try rule(source: "{s=\"1\"}", target: "{t=\"1\"}", equal: ["a", "b"])
        let inhibitor = Inhibitor(rules: [r], firingAlerts: [["s": "1", "a": "x", "b": "y"], ["s": "1", "a": "p", "b": "qr"]])
        #expect(inhibitor.mutes(["t": "1", "a": "x", "b": "y"], at: .distantPast))
        #expect(!inhibitor.mutes(["t": "1", "a": "y", "b": "x"], at: .distantPast))
        #expect(!inhibitor.mutes(["t": "1", "a": "pq", "b": "r"], at: .distantPast))
    }
}
