import Foundation
import KlaxonTesting
import Testing

/// `klaxon routes test` against `amtool config routes test` on the same alertmanager.yml:
/// refused label arguments, `--tree` and `--verify.receivers` behave as amtool's.
@Suite struct RoutesTestCLITests {
    static let config = """
        route:
          receiver: default
          group_by: [alertname]
          routes:
            - matchers: ['source="prometheus"']
              receiver: audit
              continue: true
            - matchers: ['severity="critical"']
              receiver: pager
              routes:
                - matchers: ['team="db"']
                  receiver: db-pager
            - matchers: ['severity="warning"', 'team=~"db|web"']
              receiver: team-warn
        receivers:
          - name: default
          - name: audit
          - name: pager
          - name: db-pager
          - name: team-warn
        """

    struct Run {
        var status: Int32
        var out: String
        var err: String
    }

    static func amtool(_ file: String, _ args: [String]) async throws -> Run {
        let amtool = try Tools.require("amtool", package: "prometheus-alertmanager")
        let (s, o, e) = try await ChildProcess.run(amtool, ["config", "routes", "test", "--config.file=\(file)"] + args, in: Tools.packageRoot)
        return Run(status: s, out: o, err: e)
    }

    static func klaxon(_ file: String, _ args: [String]) async throws -> Run {
        let (s, o, e) = try await ChildProcess.run(Tools.klaxon, ["routes", "test", "--config", file] + args, in: Tools.packageRoot)
        return Run(status: s, out: o, err: e)
    }

    @Test(arguments: [["foo-bar=x"], ["severity=~critical"], ["severity!=critical"], ["alertname=A", "2x=y"], ["novalue"]])
    func malformedLabelsAreRefusedAsAmtoolRefusesThem(_ labels: [String]) async throws {
        let ws = try Workspace("routes-cli")
        let file = try ws.write("alertmanager.yml", Self.config)
        let reference = try await Self.amtool(file, labels)
        let ours = try await Self.klaxon(file, labels)
        #expect(reference.status != 0, "amtool accepted \(labels)")
        #expect(ours.status == reference.status, "\(ours.err)")
        #expect(ours.out.isEmpty)
        #expect(ours.err.hasPrefix("klaxon: error: Failed to parse labels: "), "\(ours.err)")
        // The same reason amtool gives (its text after its own prefix).
        let reason = try #require(reference.err.components(separatedBy: "Failed to parse labels: ").last?.split(separator: "\n").first)
        #expect(ours.err.lowercased().contains(reason.lowercased()), "amtool: \(reference.err) klaxon: \(ours.err)")
    }

    @Test(arguments: [
        ["severity=critical", "team=db", "source=prometheus"], ["severity=critical", "team=web"],
        ["severity=warning", "team=web"], ["alertname=Other"], [#"severity="critical""#, "team=db"],
    ])
    func treeAndReceiversPrintAsAmtoolPrintsThem(_ labels: [String]) async throws {
        let ws = try Workspace("routes-cli")
        let file = try ws.write("alertmanager.yml", Self.config)
        let reference = try await Self.amtool(file, ["--tree"] + labels)
        let ours = try await Self.klaxon(file, ["--tree"] + labels)
        #expect(reference.status == 0 && ours.status == 0, "\(ours.err)")
        #expect(ours.out == reference.out)
        #expect(ours.out.hasPrefix("Matching routes:\n.\n└── default-route"))
    }

    @Test func verifyReceiversExitsNonZeroOnADifferenceAsAmtoolDoes() async throws {
        let ws = try Workspace("routes-cli")
        let file = try ws.write("alertmanager.yml", Self.config)
        let labels = ["severity=critical", "team=db", "source=prometheus"]
        for expected in ["audit,db-pager", "db-pager", "db-pager,audit", "audit,db-pager,extra"] {
            let reference = try await Self.amtool(file, ["--verify.receivers=\(expected)"] + labels)
            let ours = try await Self.klaxon(file, ["--verify.receivers=\(expected)"] + labels)
            #expect(ours.status == reference.status, "expected \(expected)")
            #expect(ours.out == reference.out, "expected \(expected)")
        }
        #expect(try await Self.klaxon(file, ["--verify.receivers=audit,db-pager"] + labels).status == 0)
        #expect(try await Self.klaxon(file, ["--verify.receivers=db-pager"] + labels).status == 1)
    }
}
