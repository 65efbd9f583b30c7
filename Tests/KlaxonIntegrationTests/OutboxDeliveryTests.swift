import Crypto
import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonService
import KlaxonStore
import KlaxonTesting
import Logging
import Testing

/// The outbox and the sinks against a real HTTP server and a real SQLite file.
@Suite struct OutboxDeliveryTests {
    /// The dispatcher's send watchdog where a test is about something else: the in-process
    /// receivers answer on the test process's two-thread pool, which the full suite keeps busy
    /// for minutes at its start (a fresh-clone run saw the default 10 s expire, so a 503 or a
    /// refused connection was recorded as "no answer").
    static let watchdog: Duration = .seconds(120)

    let logger = Logger(label: "test")

    /// A store in a fresh temp file with `alerts` firing notifications queued for receiver `r`.
    func queued(integrations: [String] = ["webhook[0]"], alerts: Int = 1) throws -> (AlertStore, Outbox) {
        let db = try StateDatabase.temporary("outbox")
        let store = try AlertStore(database: db)
        let items = (0..<alerts).flatMap { i in
            let n = notification(i)
            return integrations.map { QueuedNotification(notification: n, integration: $0, key: "\(n.idempotencyKey)/\($0)") }
        }
        #expect(try store.recordFlush(items, log: [:], at: Date()) == alerts * integrations.count)
        return (store, Outbox(database: db))
    }

    func notification(_ i: Int) -> AlertNotification {
        let labels = ["alertname": "CVE-2024-\(1000 + i)", "severity": "high", "source": "trivy"]
        let alert = NotifiedAlert(
            status: .firing, fingerprint: Fingerprint(labels: labels), labels: labels, annotations: [:], severity: .high,
            startsAt: Date())
        return AlertNotification(
            idempotencyKey: "r/\(alert.fingerprint)", receiver: "r", status: .firing, groupKey: "{}:{}", groupLabels: [:],
            alerts: [alert])
    }

    /// Runs `body` with a started recorder, then stops it (awaited) whether `body` threw or not.
    func withRecorder(_ body: (WebhookRecorder) async throws -> Void) async throws {
        let recorder = WebhookRecorder()
        try await recorder.start()
        let outcome = await capture { try await body(recorder) }
        await recorder.stop()
        try outcome.get()
    }

    @Test func webhookIsSignedWithHMACAndCarriesTheIdempotencyKey() async throws {
        try await withRecorder { recorder in
            let (_, outbox) = try queued()
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: recorder.url, hmacSecret: "s3cret", timeout: Self.watchdog)],
                settings: DeliverySettings(timeout: Self.watchdog), logger: logger)
            #expect(await dispatcher.drainDue(now: Date()) == 1)

            let request = try #require(recorder.received.first)
            let timestamp = try #require(request.headers["x-klaxon-timestamp"])
            let signature = try #require(request.headers["x-klaxon-signature"])
            var mac = HMAC<SHA256>(key: SymmetricKey(data: Data("s3cret".utf8)))
            mac.update(data: Data((timestamp + ".").utf8))
            mac.update(data: request.body)
            let expected = "sha256=" + mac.finalize().map { String(format: "%02x", $0) }.joined()
            #expect(signature == expected)
            let entry = try #require(try outbox.entries().first)
            #expect(request.headers["idempotency-key"] == entry.notification.idempotencyKey)
            #expect(entry.status == .delivered && entry.attempts == 1)
        }
    }

    @Test func serverErrorsAreRetriedWithBackoffThenDelivered() async throws {
        try await withRecorder { recorder in
            recorder.setMode(.status(503))
            let (_, outbox) = try queued(alerts: 2)
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: recorder.url, timeout: Self.watchdog)],
                settings: DeliverySettings(retry: RetryPolicy(initial: .seconds(2), maximum: .seconds(60), maxAttempts: 5), timeout: Self.watchdog),
                logger: logger)

            let t0 = Date()
            await dispatcher.drainDue(now: t0)
            let afterFailure = try outbox.entries(status: .pending).sorted { $0.id < $1.id }
            #expect(afterFailure.count == 2, "nothing is lost on a 503")
            #expect(afterFailure[0].attempts == 1 && afterFailure[0].lastError == "POST \(recorder.url): HTTP 503")
            #expect(afterFailure[1].attempts == 0, "the second waits in order behind the first, without a counted attempt")
            #expect(try outbox.due(now: t0).isEmpty, "nothing is due before the backoff passes")
            let next = try #require(try outbox.nextDue())
            // 2 s backoff counted from the failure (which may end well after t0 on a busy machine).
            let failedAt = try #require(try outbox.attempts(of: afterFailure[0].id).first?.at)
            #expect(next.timeIntervalSince(t0) >= 1.5 && abs(next.timeIntervalSince(failedAt) - 2) < 0.01)

            recorder.setMode(.ok)
            #expect(await dispatcher.drainDue(now: next.addingTimeInterval(0.1)) == 2)
            #expect(try outbox.counts() == [.delivered: 2])
            #expect(recorder.received.count == 2)
        }
    }

    @Test func clientErrorsAndExhaustedRetriesAreDeadLetteredNotDropped() async throws {
        try await withRecorder { recorder in
            recorder.setMode(.status(400))
            let (_, outbox) = try queued()
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: recorder.url, timeout: Self.watchdog)],
                settings: DeliverySettings(timeout: Self.watchdog), logger: logger)
            await dispatcher.drainDue(now: Date())
            let dead = try outbox.entries(status: .dead)
            #expect(dead.count == 1, "HTTP 400 will not change on retry")
            #expect(dead.first?.lastError?.contains("HTTP 400") == true)
        }

        // A refused connection is retried until max attempts, then dead-lettered. Passes run 5 s
        // apart on virtual time, and a send ends on that clock, so a connect that is slow to
        // fail on a loaded machine does not move the retry past the next pass.
        let (_, outbox2) = try queued()
        let clock = VirtualClock(Date())
        let unreachable = OutboxDispatcher(
            outbox: outbox2, sinks: ["r/webhook[0]": WebhookSink(url: ScriptedReceiver.refusedURL, timeout: .seconds(1))],
            settings: DeliverySettings(retry: RetryPolicy(initial: .milliseconds(1), maximum: .milliseconds(1), maxAttempts: 3), timeout: Self.watchdog),
            clock: { clock.now }, logger: logger)
        for _ in 0..<3 {
            await unreachable.drainDue(now: clock.now)
            clock.set(clock.now.addingTimeInterval(5))
        }
        let entry = try #require(try outbox2.entries().first)
        #expect(entry.status == .dead && entry.attempts == 3)
    }

    @Test func replayedFlushesAndBatchesQueueNothingTwice() throws {
        let (store, outbox) = try queued(integrations: ["file[0]", "webhook[0]"])
        let n = notification(0)
        let replay = ["file[0]", "webhook[0]"].map { QueuedNotification(notification: n, integration: $0, key: "\(n.idempotencyKey)/\($0)") }
        #expect(try store.recordFlush(replay, log: [:], at: Date()) == 0)
        #expect(try outbox.entries().count == 2)

        let labels = ["alertname": "X", "severity": "high"]
        let alert = Alert(labels: labels, severity: .high, fingerprint: Fingerprint(labels: labels))
        let first = try store.apply(BatchWrite(reports: [AlertReport(alert: alert, owner: "scans/0", receivedAt: Date())]))
        let again = try store.apply(BatchWrite(reports: [AlertReport(alert: alert, owner: "scans/0", receivedAt: Date())]))
        #expect(first.transitions == [.opened] && first.changes.count == 1)
        #expect(again.transitions == [.duplicate] && again.changes.isEmpty)
        #expect(try store.state(of: alert.fingerprint)?.occurrences == 2)
    }

    @Test func retryPolicyDoublesCapsAndHonoursRetryAfter() {
        let p = RetryPolicy(initial: .seconds(1), maximum: .seconds(10), maxAttempts: 6)
        #expect((1...5).map { p.delay(afterAttempts: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10)])
        #expect(p.delay(afterAttempts: 6) == nil)
        #expect(p.delay(afterAttempts: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(p.delay(afterAttempts: 1, retryAfter: .seconds(70)) == .seconds(10))
    }
}
