import Foundation
import GRDB
import KlaxonCore
import KlaxonDelivery
import KlaxonService
@testable import KlaxonStore
import KlaxonTesting
import Logging
import Synchronization
import Testing

/// The dispatcher's stages against real HTTP receivers and a real SQLite outbox. Timers
/// (backoff, breaker, Retry-After) run on virtual time through `drainDue(now:)` and a
/// `VirtualClock`; the concurrency proofs run the real loop and poll with deadlines.
@Suite struct DeliveryDispatchTests {
    let logger = Logger(label: "test")
    let t0 = Date()

    func makeOutbox() throws -> Outbox { Outbox(database: try StateDatabase.temporary("dispatch")) }

    /// A firing notification for `receiver`; `group` picks the group key, `seq` makes it unique.
    func notification(_ receiver: String, group: Int, seq: Int, status: AlertNotification.Status = .firing) -> AlertNotification {
        let labels = ["alertname": "A\(group)", "seq": "\(seq)", "severity": "high"]
        let alert = NotifiedAlert(
            status: status, fingerprint: Fingerprint(labels: labels), labels: labels, annotations: [:], severity: .high, startsAt: t0,
            endsAt: status == .resolved ? t0 : nil)
        return AlertNotification(
            idempotencyKey: "\(receiver)/g\(group)/\(seq)/\(status.rawValue)", receiver: receiver, status: status,
            groupKey: "{}:{alertname=\"A\(group)\"}", groupLabels: ["alertname": "A\(group)"], alerts: [alert])
    }

    @discardableResult
    func queue(_ outbox: Outbox, _ ns: [AlertNotification], integration: String = "webhook[0]", at: Date? = nil) throws -> Int {
        try outbox.enqueue(ns.map { QueuedNotification(notification: $0, integration: integration, key: "\($0.idempotencyKey)/\(integration)") }, at: at ?? t0)
    }

    /// Equal within a millisecond (times go through SQLite as seconds).
    func same(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 0.001 }

    func metrics() -> String {
        Telemetry.bootstrap()
        return String(decoding: Telemetry.registry.emitToBuffer(), as: UTF8.self)
    }

    /// The value of a sample line `name{labels} value`, 0 when absent.
    func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            let all = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
            if all, let v = line.split(separator: " ").last.flatMap({ Double($0) }) { return v }
        }
        return 0
    }

    // MARK: Proofs

    @Test func receiverFailingThenRecoveringGetsEverythingOnceWithRetriesInMetrics() async throws {
        Telemetry.bootstrap()
        let receiver = ScriptedReceiver { n, _ in n < 25 ? .status(500) : .ok }
        try await receiver.start()
        let outbox = try makeOutbox()
        let name = "flaky-\(UUID().uuidString.prefix(6))"
        try queue(outbox, (0..<40).map { notification(name, group: $0 % 8, seq: $0) })
        let dispatcher = OutboxDispatcher(
            outbox: outbox, sinks: ["\(name)/webhook[0]": WebhookSink(url: receiver.url)],
            settings: DeliverySettings(retry: RetryPolicy(initial: .milliseconds(50), maximum: .milliseconds(200), maxAttempts: 50),
                                       breakerFailures: 1000),
            logger: logger)
        let loop = Task { await dispatcher.run(tick: .milliseconds(20)) }
        do {
            try await eventually("all 40 delivered", timeout: .seconds(60)) { try outbox.counts()[.delivered] == 40 }
        } catch {
            dispatcher.finish()
            await loop.value
            await receiver.stop()
            throw error
        }
        dispatcher.finish()
        await loop.value
        await receiver.stop()

        let keys = receiver.accepted.map(\.idempotencyKey)
        #expect(Set(keys).count == 40, "every notification arrived")
        #expect(keys.count == 40, "none arrived twice")
        #expect(receiver.requestCount >= 65, "the 25 failures were retried")
        let text = metrics()
        let dims = ["receiver": name, "integration": "webhook[0]"]
        #expect(sample(text, "klaxon_notifications_total", dims.merging(["outcome": "retry"]) { a, _ in a }) == 25)
        #expect(sample(text, "klaxon_notifications_total", dims.merging(["outcome": "delivered"]) { a, _ in a }) == 40)
        #expect(sample(text, "klaxon_notifications_failed_total", dims.merging(["reason": "error"]) { a, _ in a }) == 25)
        #expect(sample(text, "klaxon_notification_latency_seconds_count", dims) == 65)
    }

    @Test func retryAfterIsHonoured() async throws {
        let receiver = ScriptedReceiver { n, _ in n == 0 ? .status(429, headers: ["Retry-After": "2"]) : .ok }
        try await withStarted([receiver]) {
            let outbox = try makeOutbox()
            try queue(outbox, [notification("r", group: 1, seq: 1)])
            let clock = VirtualClock(t0)
            let dispatcher = OutboxDispatcher(
                // A long request timeout: under the full suite's load a 10 s one expired and the
                // timeout's backoff, not Retry-After, set the next attempt.
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: receiver.url, timeout: .seconds(60))],
                settings: DeliverySettings(retry: RetryPolicy(initial: .milliseconds(10), maximum: .seconds(60)), timeout: OutboxDeliveryTests.watchdog),
                clock: { clock.now }, logger: logger)
            #expect(await dispatcher.drainDue(now: t0) == 1)
            let first = try #require(try outbox.entry(1))
            #expect(first.status == .pending, "429 is retried")
            let failedAt = try #require(try outbox.attempts(of: 1).first?.at)
            #expect(same(first.nextAttemptAt, failedAt.addingTimeInterval(2)), "Retry-After: 2 (from the failure) beats the 10 ms backoff")
            clock.set(t0.addingTimeInterval(1.9))
            #expect(await dispatcher.drainDue(now: t0.addingTimeInterval(1.9)) == 0, "nothing is due before Retry-After passes")
            #expect(receiver.requestCount == 1)
            clock.set(first.nextAttemptAt)
            #expect(await dispatcher.drainDue(now: first.nextAttemptAt) == 1)
            #expect(try outbox.counts() == [.delivered: 1] && receiver.requestCount == 2)
        }
    }

    @Test func aTimedOutSendIsRetriedFromWhenItTimedOutNotFromThePassStart() async throws {
        let receiver = ScriptedReceiver { _, _ in .hang(.seconds(30)) }
        try await withStarted([receiver]) {
            let outbox = try makeOutbox()
            try queue(outbox, [notification("r", group: 1, seq: 1)])
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["r/webhook[0]": WebhookSink(url: receiver.url)],
                settings: DeliverySettings(retry: RetryPolicy(initial: .seconds(2), maximum: .seconds(60)), timeout: .seconds(1)), logger: logger)
            await dispatcher.drainDue(now: t0)
            let entry = try #require(try outbox.entry(1))
            #expect(entry.lastError == "no answer within 1.0 seconds")
            #expect(entry.nextAttemptAt >= t0.addingTimeInterval(3), "1 s timeout + 2 s backoff, counted from the timeout")
            let attempts = try outbox.attempts(of: 1)
            #expect(attempts.count == 1 && attempts[0].outcome == "retry" && attempts[0].at >= t0.addingTimeInterval(1))
            #expect((attempts[0].latencySeconds ?? 0) >= 1)
            #expect(same(entry.nextAttemptAt, attempts[0].at.addingTimeInterval(2)))
        }
    }

    @Test func breakerOpensProbesAndClosesOnVirtualTime() async throws {
        Telemetry.bootstrap()
        let receiver = ScriptedReceiver { _, _ in .status(503) }
        try await withStarted([receiver]) {
            let outbox = try makeOutbox()
            let name = "brk-\(UUID().uuidString.prefix(6))"
            try queue(outbox, (0..<6).map { notification(name, group: $0, seq: $0) })
            let clock = VirtualClock(t0)
            let dispatcher = OutboxDispatcher(
                outbox: outbox, sinks: ["\(name)/webhook[0]": WebhookSink(url: receiver.url)],
                settings: DeliverySettings(
                    retry: RetryPolicy(initial: .seconds(1), maximum: .seconds(1), maxAttempts: 100), concurrency: 1,
                    breakerFailures: 3, breakerCoolDown: .seconds(10)),
                clock: { clock.now }, logger: logger)
            let lane = "\(name)/webhook[0]"

            await dispatcher.drainDue(now: t0)
            #expect(receiver.requestCount == 3, "three failures open the breaker; the rest are held back unsent")
            #expect(dispatcher.lane(lane)?.breakerState == .open)
            #expect(sample(metrics(), "klaxon_notification_breaker_open", ["receiver": name, "integration": "webhook[0]"]) == 1)

            clock.set(t0.addingTimeInterval(5))
            await dispatcher.drainDue(now: t0.addingTimeInterval(5))
            #expect(receiver.requestCount == 3, "still open during the cool-down")

            // Sends end on the virtual clock (not after their real duration), so the cool-down
            // ends exactly 10 s after the third failure however loaded the machine is.
            clock.set(t0.addingTimeInterval(11))
            await dispatcher.drainDue(now: t0.addingTimeInterval(11))
            #expect(receiver.requestCount == 4, "one probe after the cool-down; it fails and reopens")
            #expect(dispatcher.lane(lane)?.breakerState == .open)

            receiver.setScript { _, _ in .ok }
            clock.set(t0.addingTimeInterval(22))
            await dispatcher.drainDue(now: t0.addingTimeInterval(22))
            #expect(dispatcher.lane(lane)?.breakerState == .closed, "the probe succeeded")
            #expect(try outbox.counts() == [.delivered: 6])
            #expect(Set(receiver.accepted.map(\.idempotencyKey)).count == 6)
            #expect(sample(metrics(), "klaxon_notification_breaker_open", ["receiver": name, "integration": "webhook[0]"]) == 0)
        }
    }

    @Test func clientErrorIsDeadNotRetriedAndTheFallbackReceiverGetsIt() async throws {
        let dead = ScriptedReceiver { _, _ in .status(400) }
        let fallback = ScriptedReceiver()
        try await withStarted([dead, fallback]) {
            let outbox = try makeOutbox()
            try queue(outbox, [notification("primary", group: 1, seq: 1)])
            let dispatcher = OutboxDispatcher(
                outbox: outbox,
                sinks: ["primary/webhook[0]": WebhookSink(url: dead.url), "oncall/webhook[0]": WebhookSink(url: fallback.url)],
                fallbacks: ["primary": .init(receiver: "oncall", integrations: [(name: "webhook[0]", sendResolved: true)])],
                logger: logger)
            await dispatcher.drainDue(now: t0)
            #expect(dead.requestCount == 1, "HTTP 400 is not retried")
            let entry = try #require(try outbox.entry(1))
            #expect(entry.status == .dead && entry.attempts == 1)
            let got = try #require(fallback.accepted.first)
            #expect(got.json["fallbackFor"] as? String == "primary")
            #expect(got.json["receiver"] as? String == "oncall")
            #expect(got.idempotencyKey == "primary/g1/1/firing/fallback")

            // A manual retry sends it to the primary again (now accepting); no second fallback.
            dead.setScript { _, _ in .ok }
            #expect(try outbox.retry(1, at: t0))
            await dispatcher.drainDue(now: t0)
            #expect(try outbox.entry(1)?.status == .delivered)
            #expect(dead.accepted.count == 1 && fallback.accepted.count == 1)
            #expect(try outbox.attempts(of: 1).map(\.outcome) == ["dead", "delivered"])
        }
    }

    @Test func entriesBehindABreakerOpenPastFallbackAfterGoToTheFallback() async throws {
        let down = ScriptedReceiver { _, _ in .status(503) }
        let fallback = ScriptedReceiver()
        try await withStarted([down, fallback]) {
            let outbox = try makeOutbox()
            try queue(outbox, (0..<4).map { notification("primary", group: $0, seq: $0) })
            let clock = VirtualClock(t0)
            let dispatcher = OutboxDispatcher(
                outbox: outbox,
                sinks: ["primary/webhook[0]": WebhookSink(url: down.url), "oncall/webhook[0]": WebhookSink(url: fallback.url)],
                settings: DeliverySettings(
                    retry: RetryPolicy(initial: .seconds(1), maximum: .seconds(1), maxAttempts: 100), concurrency: 1, breakerFailures: 2,
                    breakerCoolDown: .seconds(30), fallbackAfter: .seconds(30)),
                fallbacks: ["primary": .init(receiver: "oncall", integrations: [(name: "webhook[0]", sendResolved: true)])],
                clock: { clock.now }, logger: logger)
            // Two failures open the breaker at t0; the other two wait behind it.
            await dispatcher.drainDue(now: t0)
            #expect(down.requestCount == 2 && fallback.requestCount == 0, "open for less than fallback_after: nothing falls back yet")
            // At 31 s the probe fails; everything held back now also goes to the fallback (the
            // probe's own entry at its next turn, 1 s later).
            for s in [31.0, 32.0, 33.0] {
                clock.set(t0.addingTimeInterval(s))
                await dispatcher.drainDue(now: t0.addingTimeInterval(s))
            }
            #expect(down.requestCount == 3, "one probe (the next is due at 61 s)")
            #expect(Set(fallback.accepted.map(\.idempotencyKey)).count == 4, "every held entry also went to the fallback")
            #expect(fallback.accepted.count == 4, "once each")
            #expect(fallback.accepted.allSatisfy { $0.json["fallbackFor"] as? String == "primary" })
            #expect(try outbox.list(filter: .pending, receiver: "primary").count == 4, "the originals still wait for their own receiver")
        }
    }

    @Test func aReceiverThatNeverAnswersDoesNotSlowAnother() async throws {
        let hanging = ScriptedReceiver { _, _ in .hang(.seconds(120)) }
        let healthy = ScriptedReceiver()
        try await hanging.start()
        try await healthy.start()
        let outbox = try makeOutbox()
        // The hanging receiver's backlog is older and larger than any window.
        try queue(outbox, (0..<300).map { notification("stuck", group: $0, seq: $0) })
        try queue(outbox, (0..<300).map { notification("closed", group: $0, seq: $0) })
        try queue(outbox, (0..<200).map { notification("fine", group: $0 % 10, seq: $0) })
        let dispatcher = OutboxDispatcher(
            outbox: outbox,
            sinks: [
                // The sink's own request timeout matches the dispatcher's: a send that timed out
                // after the sink's 10 s default would be retried, and a loaded run reaches it.
                "stuck/webhook[0]": WebhookSink(url: hanging.url, timeout: .seconds(120)),
                "closed/webhook[0]": WebhookSink(url: ScriptedReceiver.refusedURL),
                "fine/webhook[0]": WebhookSink(url: healthy.url),
            ],
            settings: DeliverySettings(timeout: .seconds(120)), logger: logger)
        let loop = Task { await dispatcher.run(tick: .milliseconds(50)) }
        let outcome = await capture {
            try await eventually("the healthy receiver got all 200 while the other lanes are stuck", timeout: .seconds(60)) {
                healthy.accepted.count == 200
            }
        }
        let stuckErrors = Set(try outbox.list(filter: .pending, receiver: "stuck").compactMap(\.lastError))
        #expect(hanging.accepted.isEmpty && hanging.requestCount <= 8, "the stuck lane holds at most its 8 slots: \(hanging.requestCount) requests, errors \(stuckErrors)")
        #expect(try outbox.list(filter: .pending, receiver: "stuck").count == 300)
        dispatcher.finish()
        loop.cancel()
        await hanging.stop()
        await loop.value
        await healthy.stop()
        try outcome.get()
    }

    @Test func orderWithinAGroupHoldsPastAnyWindowWhileGroupsGoInParallel() async throws {
        // Every third request of each group fails once with 429: order must survive retries.
        let receiver = ScriptedReceiver { n, _ in n % 7 == 3 ? .status(429, headers: ["Retry-After": "0"]) : .ok }
        try await receiver.start()
        let outbox = try makeOutbox()
        var ns: [AlertNotification] = []
        for seq in 0..<100 {
            for group in 0..<3 {
                ns.append(notification("ord", group: group, seq: seq, status: seq == 99 ? .resolved : .firing))
            }
        }
        try queue(outbox, ns)
        let dispatcher = OutboxDispatcher(
            outbox: outbox, sinks: ["ord/webhook[0]": WebhookSink(url: receiver.url)],
            settings: DeliverySettings(retry: RetryPolicy(initial: .milliseconds(5), maximum: .milliseconds(20), maxAttempts: 100), timeout: OutboxDeliveryTests.watchdog),
            logger: logger)
        let loop = Task { await dispatcher.run(tick: .milliseconds(10)) }
        let outcome = await capture { try await eventually("300 delivered", timeout: .seconds(180)) { try outbox.counts()[.delivered] == 300 } }
        dispatcher.finish()
        await loop.value
        await receiver.stop()
        try outcome.get()

        var seqs: [String: [Int]] = [:]
        for r in receiver.accepted {
            let alert = (r.json["alerts"] as? [[String: Any]])?.first
            let labels = alert?["labels"] as? [String: String] ?? [:]
            seqs[labels["alertname"] ?? "", default: []].append(Int(labels["seq"] ?? "") ?? -1)
        }
        #expect(seqs.count == 3)
        for (group, list) in seqs { #expect(list == Array(0..<100), "group \(group) arrived in order, its resolve last") }
        let retried = receiver.received.filter { $0.status == 429 }.count
        #expect(retried > 20, "retries happened along the way")
    }

    @Test func fileSinkBuffersSyncsPerBatchRotatesAndAppendsAfterRestart() async throws {
        let outbox = try makeOutbox()
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-file-\(UUID().uuidString.prefix(8))")
        let path = dir.appendingPathComponent("alerts.jsonl").path
        // One group: the lines are written in queue order.
        try queue(outbox, (0..<30).map { notification("f", group: 0, seq: $0) }, integration: "file[0]")
        let sink = FileSink(path: path, maxSize: 4096, maxFiles: 2, fsync: .eachBatch)
        let dispatcher = OutboxDispatcher(outbox: outbox, sinks: ["f/file[0]": sink], logger: logger)
        #expect(await dispatcher.drainDue(now: t0) == 30)
        #expect(try outbox.counts() == [.delivered: 30])

        func lines(_ p: String) -> [String] {
            ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let current = lines(path), rotated1 = lines(path + ".1"), rotated2 = lines(path + ".2")
        #expect(!FileManager.default.fileExists(atPath: path + ".3"), "max_files: 2 keeps two rotated files")
        #expect(!rotated1.isEmpty && !rotated2.isEmpty)
        for p in [path, path + ".1", path + ".2"] {
            let size = (try FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0
            #expect(size <= 4096, "\(p) is \(size) bytes")
        }
        let kept = rotated2 + rotated1 + current
        let seqs = kept.compactMap { line -> Int? in
            let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return ((obj?["alert"] as? [String: Any])?["labels"] as? [String: String])?["seq"].flatMap { Int($0) }
        }
        #expect(seqs == Array((30 - seqs.count)..<30), "the newest lines, in order, across the rotated files")

        // A new sink on the same path (a restart) appends.
        let again = FileSink(path: path, maxSize: 0, fsync: .eachNotification)
        try await again.deliver(notification("f", group: 99, seq: 99))
        let after = lines(path)
        #expect(after.count == current.count + 1 && Array(after.prefix(current.count)) == current)
    }

    @Test func rowsQueuedByTheOlderFormatStillDecodeAndGetTheirGroupKey() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-legacy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("state.db").path
        let n = notification("old", group: 7, seq: 1)
        do {
            let pool = try DatabasePool(path: path)
            try StateDatabase.migrator.migrate(pool, upTo: "v7: acknowledgements")
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .millisecondsSince1970
            encoder.outputFormatting = .sortedKeys
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO outbox (idempotency_key, receiver, integration, fingerprint, payload, next_attempt_at, created_at)
                        VALUES (?, 'old', 'webhook[0]', '', ?, ?, ?)
                        """,
                    arguments: ["k", try encoder.encode(n), t0.timeIntervalSince1970, t0.timeIntervalSince1970])
            }
        }
        let outbox = Outbox(database: try StateDatabase(path: path))
        let due = try outbox.dueHeads(receiver: "old", integration: "webhook[0]", now: t0, limit: 10)
        #expect(due.count == 1)
        #expect(due.first?.notification.idempotencyKey == n.idempotencyKey && due.first?.notification.alerts.map(\.labels) == n.alerts.map(\.labels))
        #expect(due.first?.groupKey == n.groupKey, "the migration took the group key from the payload")
    }
}
