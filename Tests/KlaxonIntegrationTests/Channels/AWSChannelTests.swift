import Foundation
import KlaxonCore
@testable import KlaxonDelivery
import Testing

/// SNS, CloudWatch Logs and Security Hub through `moto_server` in strict IAM mode: the sinks
/// sign with an IAM user's key created in moto, and what they sent is read back with the AWS CLI.
@Suite(.serialized) struct AWSChannelTests {
    @Test func snsPublishReachesAQueueSubscribedToTheTopicAndAWrongSecretFails() async throws {
        let moto = try await MotoServer.start()
        do {
            let topic = try #require(try await moto.aws(["sns", "create-topic", "--name", "klaxon-alerts"])["TopicArn"] as? String)
            let queueURL = try #require(try await moto.aws(["sqs", "create-queue", "--queue-name", "klaxon-inbox"])["QueueUrl"] as? String)
            let attrs = try await moto.aws(["sqs", "get-queue-attributes", "--queue-url", queueURL, "--attribute-names", "QueueArn"])
            let queueARN = try #require((attrs["Attributes"] as? [String: Any])?["QueueArn"] as? String)
            try await moto.aws(["sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", queueARN])

            let config = SNSConfig(topicARN: topic, apiURL: moto.endpoint, subject: "{{title}}",
                                   message: "{{#alerts}}{{labels.alertname}} on {{labels.image}} & co (score {{severity.score}})\n{{/alerts}}",
                                   attributes: ["team": "sec"])
            let sink = try SNSSink(config: config, environment: moto.credentialsEnvironment)
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-2024-1234 ü+space", severity: .critical)])
            try await sink.deliver(n)

            let received = try await moto.aws(["sqs", "receive-message", "--queue-url", queueURL, "--max-number-of-messages", "10"])
            let messages = try #require(received["Messages"] as? [[String: Any]])
            #expect(messages.count == 1)
            let raw = try #require(messages.first?["Body"] as? String)
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
            #expect(envelope["Message"] as? String == "CVE-2024-1234 ü+space on app:1.2 & co (score 95)\n")
            #expect(envelope["Subject"] as? String == SNSSink.subject(NotificationSummary.title(n)))
            let attributes = try #require(envelope["MessageAttributes"] as? [String: [String: Any]])
            #expect(attributes["severity"]?["Value"] as? String == "critical")
            #expect(attributes["source"]?["Value"] as? String == "trivy")
            #expect(attributes["environment"]?["Value"] as? String == "prod")
            #expect(attributes["team"]?["Value"] as? String == "sec")

            var wrong = moto.credentialsEnvironment
            wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
            let refused = try SNSSink(config: config, environment: wrong)
            do {
                try await refused.deliver(n)
                Issue.record("a wrong secret was accepted")
            } catch let e as DeliveryError {
                #expect(!e.isRetriable, "an auth failure is final: \(e.message)")
                #expect(e.message.contains("SignatureDoesNotMatch"), "\(e.message)")
                #expect(!e.message.contains("not-the-secret"))
            }
            var unknown = moto.credentialsEnvironment
            unknown["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNKEY000000"
            await #expect(throws: DeliveryError.self) { try await SNSSink(config: config, environment: unknown).deliver(n) }
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }

    @Test func cloudWatchLogsCreatesGroupAndStreamAndWritesOneEventPerAlert() async throws {
        let moto = try await MotoServer.start()
        do {
            let config = CloudWatchLogsConfig(logGroup: "/klaxon/alerts", logStream: "prod", apiURL: moto.endpoint)
            let sink = try CloudWatchLogsSink(config: config, environment: moto.credentialsEnvironment)
            let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1"), ChannelFixtures.alert("CVE-2", severity: .medium)])
            try await sink.deliver(n)
            try await sink.deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1", status: .resolved)], status: .resolved))

            let out = try await moto.aws(["logs", "get-log-events", "--log-group-name", "/klaxon/alerts", "--log-stream-name", "prod", "--start-from-head"])
            let events = try #require(out["events"] as? [[String: Any]])
            #expect(events.count == 3)
            let bodies = events.map { e -> [String: Any] in
                let text = e["message"] as? String ?? ""
                return ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
            }
            let names = bodies.compactMap { (($0["alert"] as? [String: Any])?["labels"] as? [String: Any])?["alertname"] as? String }
            #expect(names == ["CVE-1", "CVE-2", "CVE-1"])
            #expect(bodies.map { $0["status"] as? String } == ["firing", "firing", "resolved"])
            #expect(bodies.first?["idempotencyKey"] as? String == n.idempotencyKey)
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }

    @Test func securityHubImportsFindingsArchivesThemOnResolveAndSkipsItsOwn() async throws {
        let moto = try await MotoServer.start()
        do {
            let config = SecurityHubConfig(accountID: MotoServer.account, apiURL: moto.endpoint)
            let sink = try SecurityHubSink(config: config, environment: moto.credentialsEnvironment)
            let trivy = ChannelFixtures.alert("CVE-2024-9", severity: .critical)
            let fromHub = ChannelFixtures.alert("GuardDuty finding", labels: ["source": "securityhub"])
            try await sink.deliver(ChannelFixtures.notification([trivy, fromHub]))

            var findings = try #require(try await moto.aws(["securityhub", "get-findings"])["Findings"] as? [[String: Any]])
            #expect(findings.count == 1, "the alert that came from Security Hub is not sent back")
            let f = try #require(findings.first)
            #expect(f["Id"] as? String == "klaxon/\(trivy.fingerprint)")
            #expect(f["ProductArn"] as? String == "arn:aws:securityhub:us-east-1:\(MotoServer.account):product/\(MotoServer.account)/default")
            #expect((f["Severity"] as? [String: Any])?["Label"] as? String == "CRITICAL")
            #expect(((f["Resources"] as? [[String: Any]])?.first)?["Id"] as? String == "app:1.2")
            #expect(f["RecordState"] as? String == "ACTIVE")

            var resolved = trivy
            resolved.status = .resolved
            try await sink.deliver(ChannelFixtures.notification([resolved], status: .resolved))
            findings = try #require(try await moto.aws(["securityhub", "get-findings"])["Findings"] as? [[String: Any]])
            #expect(findings.count == 1)
            #expect(findings.first?["RecordState"] as? String == "ARCHIVED")
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }

    @Test func fifoTopicsGetGroupAndDeduplicationIdsAndFormEncodingIsPythons() throws {
        let config = SNSConfig(topicARN: "arn:aws:sns:eu-west-1:123456789012:alerts.fifo")
        let sink = try SNSSink(config: config, environment: [:])
        #expect(sink.client.region == "eu-west-1", "the region comes from the ARN when nothing else sets it")
        let n = ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")])
        let p = Dictionary(sink.params(n), uniquingKeysWith: { a, _ in a })
        #expect(p["MessageGroupId"] == SNSSink.hash(n.groupKey))
        #expect(p["MessageDeduplicationId"] == SNSSink.hash(n.idempotencyKey))
        #expect(p["MessageGroupId"] != p["MessageDeduplicationId"])
        let plain = try SNSSink(config: SNSConfig(topicARN: "arn:aws:sns:eu-west-1:123456789012:alerts"), environment: [:])
        #expect(!plain.params(n).contains { $0.0 == "MessageGroupId" })
        #expect(AWSFormEncoding.encode([("a b", "x+y/z~_.-ü*")]) == "a+b=x%2By%2Fz~_.-%C3%BC%2A")
    }
}
