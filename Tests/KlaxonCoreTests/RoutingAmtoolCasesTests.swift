import Foundation
import Testing
@testable import KlaxonCore

/// Klaxon must choose the receivers Alertmanager's `amtool config routes test` chose, in order.
@Suite struct RoutingAmtoolCasesTests {
    struct Case: Decodable {
        let labels: [String: String]
        let receivers: [String]
    }

    @Test func agreesWithAmtoolOnEveryCase() throws {
        guard RoutingFixtures.isAvailable else {
            if RoutingFixtures.mustExist {
                Issue.record("\(RoutingFixtures.directory.path) is missing and CI=true")
            } else {
                print("skipping: \(RoutingFixtures.directory.path) not found")
            }
            return
        }
        let config = try RoutingConfig.load(yaml: try RoutingFixtures.text("alertmanager.yml"), file: "alertmanager.yml")
        let lines = try RoutingFixtures.text("cases.jsonl").split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 200)
        var agree = 0
        for line in lines {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let got = config.route.receivers(for: c.labels)
            #expect(config.tree.receivers(for: c.labels) == got)
            #expect(got == c.receivers, "labels \(c.labels)")
            if got == c.receivers { agree += 1 }
        }
        print("amtool agreement: \(agree)/\(lines.count)")
        #expect(agree == lines.count)
    }
}
