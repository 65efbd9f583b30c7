import Foundation
import KlaxonCore
import KlaxonKafka
import Logging
import KlaxonStore
@testable import KlaxonService
import Testing

/// Wiring: every channel gets a sink and carries its `send_resolved`; what cannot be honoured fails the load.
@Suite struct SinkFactoryChannelTests {
    /// Never used to send: the factory only keeps it for Kafka sinks.
    let producer: KafkaProducer

    init() throws {
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        producer = try KafkaProducer(properties: ["bootstrap.servers": "127.0.0.1:1"], logger: quiet)
    }
    @Test func everyChannelIsBuiltWithItsSendResolvedAndNoNotDeliveredWarning() throws {
        let dir = try ChannelFixtures.tempDir("factory")
        let keyFile = dir.appendingPathComponent("key").path
        try "k".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let routing = try RoutingConfig.load(yaml: """
            route: {receiver: all}
            receivers:
              - name: all
                webhook_configs: [{url: 'http://127.0.0.1:1/x', send_resolved: false}]
                sns_configs: [{topic_arn: 'arn:aws:sns:eu-west-1:123456789012:t', send_resolved: false}]
                cloudwatch_logs_configs: [{log_group: g, sigv4: {region: eu-west-1}}]
                securityhub_configs: [{account_id: '123456789012', sigv4: {region: eu-west-1}, send_resolved: false}]
                pagerduty_configs: [{routing_key_file: '\(keyFile)', send_resolved: false}]
                slack_configs:
                  - {api_url_file: '\(keyFile)'}
                  - {app_token_file: '\(keyFile)', channel: '#c', send_resolved: true}
            """, file: "r.yml")
        let threads = SlackThreadStore(database: try StateDatabase(path: dir.appendingPathComponent("state.db").path))
        let built = try SinkFactory.build(routing, producer: producer, environment: [:], slackThreads: threads)
        let flags = Dictionary(uniqueKeysWithValues: (built.integrations["all"] ?? []).map { ($0.name, $0.sendResolved) })
        #expect(flags == ["webhook[0]": false, "sns[0]": false, "cloudwatch_logs[0]": true, "securityhub[0]": false,
                          "pagerduty[0]": false, "slack[0]": false, "slack[1]": true])
        #expect(built.sinks.count == 7)
        #expect(built.warnings.isEmpty)
    }

    @Test func anAWSReceiverRefusesHTTPCredentialsAndABadSecretFileNamesTheIntegration() throws {
        let routing = try RoutingConfig.load(yaml: """
            route: {receiver: aws}
            receivers:
              - name: aws
                sns_configs: [{topic_arn: 'arn:aws:sns:eu-west-1:123456789012:t', http_config: {bearer_token_file: /x}}]
            """, file: "r.yml")
        #expect(throws: ConfigFailure.self) { try SinkFactory.build(routing, producer: producer, environment: [:]) }
        let missing = try RoutingConfig.load(yaml: """
            route: {receiver: hook}
            receivers:
              - name: hook
                webhook_configs: [{url: 'http://127.0.0.1:1/x', http_config: {basic_auth: {username: u, password_file: /nonexistent/pw}}}]
            """, file: "r.yml")
        do {
            _ = try SinkFactory.build(missing, producer: producer, environment: [:])
            Issue.record("a missing password file was accepted")
        } catch {
            #expect("\(error)".contains("receiver hook: webhook[0]") && "\(error)".contains("/nonexistent/pw"), "\(error)")
        }
    }
}
