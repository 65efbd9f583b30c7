import Foundation
import Testing
@testable import KlaxonCore

/// `POST /api/v2/alerts` bodies: Alertmanager's validation, and the webhook v4 payload each
/// accepted alert becomes, read back by the Alertmanager decoder as Kafka input is.
@Suite struct PostableAlertsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_800_000_001), environment: nil)

    func parse(_ json: String) throws -> PostableAlerts { try PostableAlerts.parse(Data(json.utf8), now: now) }

    func decoded(_ m: PostableAlerts.Message) throws -> Alert {
        let report = try Decoders.decode(m.payload, format: .alertmanager, context: ctx)
        #expect(report.alerts.count == 1)
        return try #require(report.alerts.first)
    }

    @Test func aFiringAlertKeepsItsLabelsTimesAndGenerator() throws {
        let p = try parse("""
            [{"labels": {"alertname": "DiskFull", "team": "db", "empty": ""}, "annotations": {"summary": "full"},
              "startsAt": "2027-01-15T08:00:00.5Z", "endsAt": "2027-01-15T08:30:00Z", "generatorURL": "http://prom/graph"}]
            """)
        #expect(p.errors == [])
        let m = try #require(p.messages.first)
        #expect(!m.resolved, "endsAt after now: firing until then")
        #expect(m.key == Fingerprint(labels: ["alertname": "DiskFull", "team": "db"]).description)
        let a = try decoded(m)
        #expect(a.labels["team"] == "db" && a.labels["alertname"] == "DiskFull" && a.labels["empty"] == nil, "empty values dropped as Alertmanager does")
        #expect(a.annotations["summary"] == "full" && a.annotations["generator_url"] == "http://prom/graph")
        #expect(a.occurredAt.map { abs($0.timeIntervalSince1970 - 1_800_000_000.5) < 0.001 } == true, "startsAt kept: \(String(describing: a.occurredAt))")
        #expect(a.resolvedAt == nil)
        #expect(a.fingerprint.description == m.key, "the key is the alert's Klaxon fingerprint")
    }

    @Test func endsAtInThePastIsResolvedAtThatTime() throws {
        let p = try parse(#"[{"labels": {"alertname": "A"}, "startsAt": "2027-01-15T07:00:00Z", "endsAt": "2027-01-15T07:59:00Z"}]"#)
        let m = try #require(p.messages.first)
        #expect(m.resolved)
        let a = try decoded(m)
        #expect(a.resolvedAt.map { abs($0.timeIntervalSince1970 - 1_799_999_940) < 0.001 } == true, "\(String(describing: a.resolvedAt))")
    }

    @Test func missingTimesFollowAlertmanager() throws {
        // No startsAt: from endsAt, or now; no endsAt (or Go's zero time): firing until
        // resolve_timeout after now.
        let body = """
            [{"labels": {"alertname": "A"}},
             {"labels": {"alertname": "B"}, "startsAt": "0001-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}]
            """
        for (timeout, expected) in [(Duration.seconds(300), 299.0), (.seconds(3600), 3599)] {
            let p = try PostableAlerts.parse(Data(body.utf8), now: now, resolveTimeout: timeout)
            #expect(p.messages.count == 2 && p.messages.allSatisfy { !$0.resolved })
            for m in p.messages {
                let a = try decoded(m)
                #expect(a.occurredAt == now && a.resolvedAt == nil)
                // Decoded one second after `now` (ctx): the end is `now + timeout`.
                #expect(a.expiresAfter.map { abs($0 - expected) < 0.001 } == true, "\(String(describing: a.expiresAfter))")
            }
        }
    }

    @Test func invalidAlertsAreRefusedWithAlertmanagersWordingAndValidOnesKept() throws {
        let p = try parse("""
            [{"labels": {"alertname": "Good"}},
             {"labels": {}},
             {"labels": {"foo-bar": "x", "alertname": "A"}},
             {"labels": {"alertname": "A"}, "startsAt": "2027-01-15T08:00:00Z", "endsAt": "2027-01-15T07:00:00Z"},
             {"labels": {"job": "x"}},
             {"labels": {"alertname": "A"}, "startsAt": "yesterday"},
             {"labels": {"alertname": 5}},
             "not an alert"]
            """)
        #expect(p.messages.count == 1)
        #expect(p.errors == [
            "alerts[1]: invalid label set: at least one label pair required",
            "alerts[2]: invalid label set: invalid name \"foo-bar\"",
            "alerts[3]: start time must be before end time",
            "alerts[4]: alertname label missing (Klaxon routes named alerts)",
            "alerts[5]: startsAt is not an RFC 3339 time: yesterday",
            "alerts[6]: labels.alertname must be a string",
            "alerts[7]: expected an object",
        ])
    }

    @Test func aBodyThatIsNotAnArrayIsMalformed() {
        #expect(throws: PostableAlerts.Malformed(message: "parsing alerts body failed: not valid JSON")) { try parse("[{") }
        #expect(throws: PostableAlerts.Malformed(message: "parsing alerts body failed: expected a JSON array of alerts")) {
            try parse(#"{"labels": {"alertname": "A"}}"#)
        }
    }

    @Test func labelNamesFollowPrometheus() {
        #expect(PostableAlerts.isValidLabelName("_a9") && PostableAlerts.isValidLabelName("alertname"))
        #expect(!PostableAlerts.isValidLabelName("9a") && !PostableAlerts.isValidLabelName("") && !PostableAlerts.isValidLabelName("a.b"))
    }

    // MARK: alertmanager_api config

    let minimal = "kafka:\n  brokers: k:9092\n  topics:\n    - name: scans\n"

    @Test func theIngestTopicIsConsumedWithTheAlertmanagerDecoderByDefault() throws {
        let c = try ServiceConfig.load(yaml: minimal, file: "k.yml")
        #expect(c.alertmanagerAPI == AlertmanagerAPIConfig())
        #expect(c.alertmanagerAPI.ingestTopic == "klaxon.ingest" && c.alertmanagerAPI.reads == .open)
        #expect(c.inputTopics == [TopicSettings(name: "scans"), TopicSettings(name: "klaxon.ingest", format: .alertmanager)])
    }

    @Test func everyAlertmanagerAPIKeyIsRead() throws {
        let c = try ServiceConfig.load(
            yaml: minimal + "    - {name: am, format: auto}\nalertmanager_api: {ingest_topic: am, reads: token, max_request_bytes: 2048}\n",
            file: "k.yml")
        #expect(c.alertmanagerAPI.ingestTopic == "am" && c.alertmanagerAPI.reads == .token && c.alertmanagerAPI.maxRequestBytes == 2048)
        #expect(c.inputTopics.map(\.name) == ["scans", "am"], "a listed ingest topic is not added twice")
    }

    @Test func badAlertmanagerAPISettingsAreRefused() {
        let cases: [(String, String)] = [
            ("alertmanager_api: {reads: everyone}\n", "reads must be open or token"),
            ("alertmanager_api: {max_request_bytes: 10}\n", "max_request_bytes must be at least 1024"),
            ("alertmanager_api: {ingest_topic: scans}\n", "ingest_topic \"scans\" is listed in kafka.topics with format falco"),
            ("alertmanager_api: {port: 9093}\n", "port"),
        ]
        for (extra, message) in cases {
            let yaml = (extra.contains("scans") ? minimal + "      format: falco\n" : minimal) + extra
            let error = #expect(throws: ConfigError.self) { try ServiceConfig.load(yaml: yaml, file: "k.yml") }
            #expect(error?.description.contains(message) == true, "\(extra): \(String(describing: error))")
        }
        let listed = #expect(throws: ConfigError.self) {
            try ServiceConfig.load(yaml: minimal + "    - {name: klaxon.ingest, format: trivy}\n", file: "k.yml")
        }
        #expect(listed?.description.contains("is the Alertmanager API's ingest topic") == true)
    }
}
