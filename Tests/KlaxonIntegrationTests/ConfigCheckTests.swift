import Foundation
import KlaxonTesting
import Testing

/// `klaxon config check` on a bare alertmanager.yml and on receivers nothing delivers to.
@Suite struct ConfigCheckTests {
    static let alertmanager = """
        global:
          resolve_timeout: 5m
        route:
          receiver: default
          routes:
            - matchers: ['severity="critical"']
              receiver: pager
        receivers:
          - name: default
          - name: pager
          - name: forgotten
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: [alertname]
        """

    @Test func aBareAlertmanagerFileIsCheckedAsARoutingFile() async throws {
        let ws = try Workspace("cfgcheck")
        let file = try ws.write("alertmanager.yml", Self.alertmanager)
        let (status, out, err) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", file], in: ws.dir)
        #expect(status == 0, "\(err)")
        #expect(out.contains("ok: \(file): routing file: 2 route(s), receivers default, pager, forgotten"), "\(out)")
        #expect(!out.contains("global"), "global.resolve_timeout is honoured, not ignored: \(out)")
        #expect(out.contains(#"alertmanager.yml:11:11: receivers[2].name: receiver "forgotten" is not used by any route; nothing is delivered to it"#), "\(out)")
        #expect(!out.contains(#"receiver "pager" is not used"#) && !out.contains(#"receiver "default" is not used"#))

        // Still strict: an error in it is refused with file, line and reason.
        let bad = try ws.write("bad.yml", Self.alertmanager.replacingOccurrences(of: "receiver: pager", with: "receiver: pagr"))
        let (badStatus, badOut, badErr) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", bad], in: ws.dir)
        #expect(badStatus != 0)
        #expect(badOut.isEmpty)
        #expect(badErr.hasPrefix("klaxon: error: \(bad):7:"), "\(badErr)")
        #expect(badErr.contains(#"undefined receiver "pagr" used in route"#))
    }

    @Test func aServiceConfigWarnsAboutReceiversNoRouteUses() async throws {
        let ws = try Workspace("cfgcheck")
        try ws.write("routes.yml", "route:\n  receiver: a\nreceivers:\n  - name: a\n  - name: b\n  - name: c\n    fallback_receiver: b\n")
        let file = try ws.write("klaxon.yml", "kafka:\n  embedded: true\n  topics:\n    - name: t\nroutes: [routes.yml]\n")
        let (status, out, err) = try await ChildProcess.run(Tools.klaxon, ["config", "check", "--config", file], in: ws.dir)
        #expect(status == 0, "\(err)")
        // b is c's fallback; c is named by nothing.
        #expect(out.contains(#"routes.yml:6:11: receivers[2].name: receiver "c" is not used by any route; nothing is delivered to it"#), "\(out)")
        #expect(!out.contains(#"receiver "b" is not used"#))
        #expect(out.contains("ok: \(file): 1 topic(s)"))
    }
}
