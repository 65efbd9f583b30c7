import Testing
@testable import KlaxonCore

@Suite struct MatcherTests {
    @Test(arguments: [
        ("team=\"db\"", MatchType.equal, "team", "db"),
        ("team = db", .equal, "team", "db"),
        ("team!=\"db\"", .notEqual, "team", "db"),
        ("team=~\"web|frontend\"", .regex, "team", "web|frontend"),
        ("team!~web.*", .notRegex, "team", "web.*"),
        ("msg=\"say \\\"hi\\\"\"", .equal, "msg", "say \"hi\""),
        ("msg=\"a\\\\b\"", .equal, "msg", "a\\b"),
        ("msg=\"line\\nnext\"", .equal, "msg", "line\nnext"),
        ("path=\"C:\\dir\"", .equal, "path", "C:\\dir"),
        ("empty=\"\"", .equal, "empty", ""),
        ("  spaced  =~  \"x y\"  ", .regex, "spaced", "x y"),
    ])
    func parsesOneMatcher(text: String, type: MatchType, name: String, value: String) throws {
        let m = try Matcher(parsing: text)
        #expect(m.type == type)
        #expect(m.name == name)
        #expect(m.value == value)
    }

    @Test(arguments: [
        ("team", "bad matcher format: team"),
        ("=db", "bad matcher format: =db"),
        ("1team=db", "bad matcher format: 1team=db"),
        ("team=\"db", "matcher value contains unescaped double quote: \"db"),
        ("team=d\"b", "matcher value contains unescaped double quote: d\"b"),
        ("team=~\"[\"", "invalid regular expression \"[\""),
    ])
    func refusesBadMatchers(text: String, message: String) {
        #expect(throws: MatcherError(message)) { try Matcher(parsing: text) }
    }

    @Test func parsesListForms() throws {
        let list = try Matcher.parseList(#"{alertname="Disk, full", severity=~"critical|high",team!="db"}"#)
        #expect(list.map(\.description) == [#"alertname="Disk, full""#, #"severity=~"critical|high""#, #"team!="db""#])
        #expect(try Matcher.parseList("a=b").map(\.description) == [#"a="b""#])
        #expect(try Matcher.parseList("{}").isEmpty)
        #expect(try Matcher.parseList("a=b,").count == 1)
    }

    @Test func missingLabelIsEmptyString() throws {
        let labels = ["alertname": "X"]
        #expect(try Matcher(parsing: #"team!="db""#).matches(labels))
        #expect(try Matcher(parsing: #"team!~"db|web""#).matches(labels))
        #expect(try Matcher(parsing: #"team="""#).matches(labels))
        #expect(try Matcher(parsing: #"team=~".*""#).matches(labels))
        #expect(!(try Matcher(parsing: #"team=~".+""#).matches(labels)))
        #expect(!(try Matcher(parsing: #"team="db""#).matches(labels)))
    }

    @Test(arguments: [
        ("web|frontend", "web", true), ("web|frontend", "webapp", false), ("web|frontend", "frontend", true),
        ("staging.*", "staging-2", true), ("staging.*", "xstaging", false), ("staging.*", "staging", true),
        (".*-prod", "eu-prod", true), (".*-prod", "eu-prod-2", false), (".*db.*", "my-db-1", true),
        (".*", "", true), (".*", "anything", true), ("a\\.b", "a.b", true), ("a\\.b", "axb", false),
        ("a.b", "axb", true), ("crit(ical)?", "crit", true), ("crit(ical)?", "critical", true),
        ("crit(ical)?", "criticalx", false), ("[0-9]+", "123", true), ("[0-9]+", "12a", false),
        ("(?i)CRITICAL", "critical", true), ("staging.*", "staging\nx", false), ("a|", "", true),
        ("prod-(eu|us)", "prod-us", true), ("prod-(eu|us)", "prod-usx", false),
        ("(?P<region>eu|us)-[0-9]", "eu-1", true), ("[[:digit:]]+", "42", true), ("\\d{2}", "123", false),
    ])
    func regexesAreFullyAnchored(pattern: String, value: String, expected: Bool) throws {
        let m = try Matcher(.regex, name: "l", value: pattern)
        #expect(m.matches(value: value) == expected)
        let negated = try Matcher(.notRegex, name: "l", value: pattern)
        #expect(negated.matches(value: value) == !expected)
    }

    @Test func descriptionQuotesLikeGo() throws {
        #expect(try Matcher(.equal, name: "a", value: "x\"y\\z\n").description == #"a="x\"y\\z\n""#)
        #expect(try Matcher(.notRegex, name: "a", value: "é").description == #"a!~"é""#)
    }

    @Test func invalidLabelNameIsRefused() {
        #expect(throws: MatcherError("invalid label name \"a-b\"")) { try Matcher(.equal, name: "a-b", value: "x") }
    }

    @Test func listMatchesOnlyWhenAllMatch() throws {
        let ms = try Matcher.parseList(#"severity="critical", team=~"db|web""#)
        #expect(ms.matches(["severity": "critical", "team": "db"]))
        #expect(!ms.matches(["severity": "critical", "team": "ops"]))
        #expect([Matcher]().matches([:]))
        #expect(ms.alertmanagerString == #"{severity="critical",team=~"db|web"}"#)
    }
}
