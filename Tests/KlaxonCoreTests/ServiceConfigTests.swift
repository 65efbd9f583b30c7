import Foundation
import Testing
@testable import KlaxonCore

@Suite struct ServiceConfigTests {
    let minimal = "kafka:\n  brokers: k:9092\n  topics:\n    - name: scans\n"

    @Test func defaultsApplyWhenKeysAreOmitted() throws {
        let c = try ServiceConfig.load(yaml: minimal, file: "k.yml")
        #expect(c.kafka.groupID == "klaxon")
        #expect(c.kafka.deadLetterTopic == "klaxon.deadletter")
        #expect(c.kafka.alertsTopic == "klaxon.alerts" && c.kafka.alertsPartitions == 12)
        #expect(c.kafka.changelogTopic == "klaxon.state-changelog")
        #expect(c.kafka.maxMessageBytes == 16 << 20)
        #expect(c.kafka.topics == [TopicSettings(name: "scans", format: .auto)])
        #expect(c.statePath == ".klaxon/klaxon.db" && c.routes == ["routes"] && c.httpListen == nil)
        #expect(c.apiTokenEnv == "KLAXON_API_TOKEN")
        #expect(c.stateSynchronous == .normal)
    }

    @Test func stateSynchronousIsNormalOrFull() throws {
        let full = try ServiceConfig.load(yaml: minimal + "state: {synchronous: full}\n", file: "k.yml")
        #expect(full.stateSynchronous == .full)
        let error = #expect(throws: ConfigError.self) {
            try ServiceConfig.load(yaml: minimal + "state: {synchronous: off}\n", file: "k.yml")
        }
        #expect(error?.description.contains("synchronous must be normal or full") == true)
    }

    @Test func everyKeyIsRead() throws {
        let c = try ServiceConfig.load(yaml: """
            kafka:
              embedded: true
              group_id: g
              topics:
                - {name: rt, format: falco, environment: prod, labels: {team: sec}}
              dead_letter_topic: dlq
              alerts_topic: internal.alerts
              alerts_partitions: 6
              changelog_topic: internal.changelog
              max_message_bytes: 1024
              batch: {max_records: 10, max_wait: 1s, report_wait: 30s}
              properties: {security.protocol: SASL_SSL}
            state: {path: /var/lib/k.db}
            routes: [a.yml, b]
            http: {listen: ":9095", token_file: /run/secrets/t}
            environment: staging
            delivery: {retry: {initial: 2s, maximum: 1m, max_attempts: 3}}
            severity_overrides:
              - match: {source: falco, rule: Terminal shell in container}
                severity: high
                reason: never expected in prod
              - match: {cve: CVE-2024-0001}
                severity: "42"
            identity_overrides:
              - match: {source: falco}
                identity: [rule, host]
            """, file: "k.yml")
        #expect(c.kafka.embedded && c.kafka.groupID == "g" && c.kafka.deadLetterTopic == "dlq" && c.kafka.maxMessageBytes == 1024)
        #expect(c.kafka.topics == [TopicSettings(name: "rt", format: .falco, environment: "prod", labels: ["team": "sec"])])
        #expect(c.kafka.batchMaxRecords == 10 && c.kafka.batchMaxWait == .seconds(1) && c.kafka.batchReportWait == .seconds(30))
        #expect(c.kafka.alertsTopic == "internal.alerts" && c.kafka.alertsPartitions == 6)
        #expect(c.kafka.changelogTopic == "internal.changelog")
        #expect(c.kafka.properties == ["security.protocol": "SASL_SSL"])
        #expect(c.statePath == "/var/lib/k.db" && c.routes == ["a.yml", "b"])
        #expect(c.httpListen == ":9095" && c.apiTokenFile == "/run/secrets/t" && c.environment == "staging")
        #expect(c.retry == RetryPolicy(initial: .seconds(2), maximum: .seconds(60), maxAttempts: 3))
        #expect(c.severityOverrides.rules.map(\.severity) == [.high, Severity(score: 42)])
        #expect(c.severityOverrides.rules.first?.reason == "never expected in prod")
        #expect(c.identityOverrides.rules.first?.identity == ["rule", "host"])
    }

    @Test(arguments: [
        ("kafka:\n  topics:\n    - name: t\n", "k.yml:2:3: kafka: brokers is required unless embedded: true"),
        ("kafka:\n  embedded: true\n  topics: []\n", "k.yml:2:3: kafka: topics: at least one topic is required"),
        ("kafka:\n  embedded: true\n  topics:\n    - name: t\n      format: nmap\n", "format \"nmap\""),
        ("kafka:\n  embedded: true\n  alerts_partitions: 0\n  topics: [{name: t}]\n", "alerts_partitions must be 1-10000, got 0"),
        ("kafka:\n  embedded: true\n  batch: {report_wait: 6m}\n  topics: [{name: t}]\n", "k.yml:3:24: kafka.batch.report_wait: must be at most 5m"),
        ("kafka:\n  embedded: true\n  alerts_topic: dlq\n  dead_letter_topic: dlq\n  topics: [{name: t}]\n",
         "alerts_topic must differ from dead_letter_topic and control_topic"),
        ("kafka:\n  embedded: true\n  topics: [{name: klaxon.alerts}]\n", "is the internal alerts topic (kafka.alerts_topic)"),
        ("kafka:\n  embedded: true\n  changelog_topic: klaxon.alerts\n  topics: [{name: t}]\n",
         "k.yml:3:20: kafka.changelog_topic: changelog_topic must differ from dead_letter_topic, control_topic and alerts_topic"),
        ("kafka:\n  embedded: true\n  topics: [{name: klaxon.state-changelog}]\n", "is the internal state changelog (kafka.changelog_topic)"),
        ("kafka:\n  embedded: true\n  topic:\n    - name: t\n", "k.yml:3:3: kafka.topic: unknown field \"topic\""),
        ("kafka:\n  embedded: true\n  topics: [{name: t}]\nseverity_overrides:\n  - match: {cve: X}\n    severity: loud\n",
         "k.yml:6:15: severity_overrides[0].severity: expected a level"),
    ])
    func errorsNameFileLineAndKey(yaml: String, expected: String) {
        do {
            _ = try ServiceConfig.load(yaml: yaml, file: "k.yml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }

    @Test func environmentReferencesExpandOrFailWithTheLine() throws {
        let env = ["BROKERS": "kafka:9092", "EMPTY": ""]
        #expect(try EnvironmentExpansion.expand("a: ${BROKERS}\nb: ${MISSING:-x}\nc: $$HOME\nd: ${EMPTY:-d}", file: "f", environment: env)
            == "a: kafka:9092\nb: x\nc: $HOME\nd: d")
        do {
            _ = try EnvironmentExpansion.expand("a: 1\nb: ${SECRET}\n", file: "f.yml", environment: env)
            Issue.record("an unset variable was accepted")
        } catch {
            #expect(error.description == "f.yml:2:0: environment variable SECRET is not set (use ${SECRET:-default} for a default)")
        }
    }
}
