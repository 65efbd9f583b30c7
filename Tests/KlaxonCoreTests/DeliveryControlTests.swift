import Foundation
import Testing
@testable import KlaxonCore

/// Breaker, token bucket and delivery config on virtual time: `at(s)` is seconds since t0.
@Suite struct DeliveryControlTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }

    @Test func breakerOpensAfterConsecutiveFailuresProbesAfterCoolDownAndCloses() {
        var b = CircuitBreaker(failureThreshold: 3, coolDown: 30)
        #expect(b.decide(at: at(0)) == .allow)
        b.recordFailure(at: at(1))
        b.recordFailure(at: at(2))
        b.recordSuccess()
        b.recordFailure(at: at(3))
        b.recordFailure(at: at(4))
        #expect(b.state == .closed, "a success in between resets the count")
        b.recordFailure(at: at(5))
        #expect(b.state == .open)
        #expect(b.decide(at: at(20)) == .wait(until: at(35)))
        #expect(b.openFor(at: at(20)) == 15)
        #expect(b.decide(at: at(35)) == .probe, "one probe after the cool-down")
        #expect(b.state == .halfOpen)
        if case .wait = b.decide(at: at(35.5)) {} else { Issue.record("only one probe at a time") }
        b.recordFailure(at: at(36))
        #expect(b.state == .open)
        #expect(b.decide(at: at(50)) == .wait(until: at(66)), "a failed probe opens it for another cool-down")
        #expect(b.decide(at: at(66)) == .probe)
        b.recordSuccess()
        #expect(b.state == .closed && b.decide(at: at(67)) == .allow)
        #expect(b.openFor(at: at(67)) == 0)
    }

    @Test func tokenBucketAllowsABurstThenTheRate() {
        var bucket = TokenBucket(ratePerSecond: 2, burst: 3)
        #expect((0..<3).map { _ in bucket.take(at: at(0)) } == [nil, nil, nil])
        #expect(bucket.take(at: at(0)) == at(0.5), "empty: the next token comes after 1/rate")
        #expect(bucket.take(at: at(0.5)) == nil)
        #expect(bucket.take(at: at(0.6)) != nil)
        #expect(bucket.take(at: at(10)) == nil, "refills up to the burst")
        #expect(bucket.take(at: at(10)) == nil)
        #expect(bucket.take(at: at(10)) == nil)
        #expect(bucket.take(at: at(10)) != nil)
        var unlimited = TokenBucket(ratePerSecond: 0, burst: 1)
        #expect((0..<1000).allSatisfy { _ in unlimited.take(at: at(0)) == nil })
    }

    @Test func deliverySettingsParseWithDefaultsAndRefuseBadValues() throws {
        let base = "kafka: {embedded: true, topics: [{name: t}]}\n"
        let defaults = try ServiceConfig.load(yaml: base, file: "k.yml")
        #expect(defaults.delivery == DeliverySettings())
        #expect(defaults.delivery.concurrency == 8 && defaults.httpIdleTimeout == .seconds(30))
        #expect(defaults.delivery.rateLimit(receiver: "x", integration: "pagerduty[0]") == RateLimit(perSecond: 2, burst: 10))
        #expect(defaults.delivery.rateLimit(receiver: "x", integration: "webhook[0]") == nil)

        let c = try ServiceConfig.load(yaml: base + """
            http: {listen: ':9095', idle_timeout: 5s}
            delivery:
              retry: {initial: 2s, maximum: 1m, max_attempts: 4}
              concurrency: 32
              timeout: 3s
              breaker: {failures: 2, cool_down: 1m}
              fallback_after: 10m
              rate_limit: {per_second: 5}
              rate_limits:
                - {receiver: slow, per_second: 0.5, burst: 2}
            """, file: "k.yml")
        #expect(c.delivery.retry == RetryPolicy(initial: .seconds(2), maximum: .seconds(60), maxAttempts: 4))
        #expect(c.delivery.concurrency == 32 && c.delivery.timeout == .seconds(3))
        #expect(c.delivery.breakerFailures == 2 && c.delivery.breakerCoolDown == .seconds(60))
        #expect(c.delivery.fallbackAfter == .seconds(600) && c.httpIdleTimeout == .seconds(5))
        #expect(c.delivery.rateLimit(receiver: "any", integration: "slack[0]") == RateLimit(perSecond: 5, burst: 5))
        #expect(c.delivery.rateLimit(receiver: "slow", integration: "webhook[0]") == RateLimit(perSecond: 0.5, burst: 2))

        for (bad, message) in [
            ("delivery: {concurrency: 0}", "concurrency must be 1 to 1024"),
            ("delivery: {rate_limit: {per_second: -1}}", "per_second must be a positive number"),
            ("delivery: {breaker: {failures: 0}}", "failures must be at least 1"),
            ("delivery: {parallel: 3}", "unknown field \"parallel\""),
        ] {
            #expect(throws: ConfigError.self) { try ServiceConfig.load(yaml: base + bad, file: "k.yml") }
            do { _ = try ServiceConfig.load(yaml: base + bad, file: "k.yml") } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }

    @Test func fallbackReceiverMustNameAnotherExistingReceiver() throws {
        func load(_ fallback: String) throws -> RoutingConfig {
            try RoutingConfig.load(yaml: """
                route: {receiver: a}
                receivers:
                  - name: a
                    fallback_receiver: \(fallback)
                    webhook_configs: [{url: 'http://127.0.0.1:1/a'}]
                  - name: b
                    file_configs: [{path: /tmp/b.jsonl, max_size: 1024, max_files: 2, fsync: each_notification}]
                """, file: "r.yml")
        }
        let ok = try load("b")
        #expect(ok.receiver(named: "a")?.fallbackReceiver == "b")
        #expect(ok.receiver(named: "b")?.fileConfigs.first == FileConfig(path: "/tmp/b.jsonl", maxSize: 1024, maxFiles: 2, fsync: .eachNotification))
        do {
            _ = try load("nobody")
            Issue.record("an unknown fallback receiver must be refused")
        } catch {
            #expect("\(error)".contains("undefined receiver \"nobody\" used as fallback_receiver of \"a\""), "\(error)")
            #expect("\(error)".contains("r.yml:4"), "\(error)")
        }
        do {
            _ = try load("a")
            Issue.record("a receiver cannot be its own fallback")
        } catch {
            #expect("\(error)".contains("cannot be its own fallback_receiver"), "\(error)")
        }
    }

    @Test func fileConfigRefusesAnUnknownFsyncPolicy() {
        do {
            _ = try RoutingConfig.load(yaml: """
                route: {receiver: b}
                receivers:
                  - name: b
                    file_configs: [{path: /tmp/b.jsonl, fsync: sometimes}]
                """, file: "r.yml")
            Issue.record("unknown policy accepted")
        } catch {
            #expect("\(error)".contains("unknown fsync policy \"sometimes\" (one of each_batch, each_notification, never)"), "\(error)")
        }
    }
}
