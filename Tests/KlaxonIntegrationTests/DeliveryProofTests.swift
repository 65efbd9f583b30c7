import Foundation
import KlaxonStore
import KlaxonTesting
import Testing

/// Delivery proofs against a real `klaxon run`: crash with notifications pending, the
/// `deliveries` CLI over the API, and the API server's idle timeout and token check.
@Suite(.stopsServers) struct DeliveryProofTests {
    func outbox(_ f: ServiceFixture) throws -> Outbox { Outbox(database: try StateDatabase(path: f.statePath)) }

    @Test func killDashNineWithNotificationsPendingThenRestartDeliversAll() async throws {
        let f = try await ServiceFixture()
        try f.writeConfig()
        f.recorder.setMode(.status(500))
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))

        let first = try f.startService()
        var pending: [OutboxEntry] = []
        try await eventually("the webhook's notifications failed at least once and wait", watching: first) {
            pending = try outbox(f).list(filter: .failed, receiver: "pager")
            return try !pending.isEmpty && f.fileAlerts().count >= 4 && (try outbox(f).list(filter: .pending, receiver: "log").isEmpty)
        }
        #expect(try await first.stop(signal: SIGKILL) == 9 || !first.isRunning)

        f.recorder.setMode(.ok)
        let second = try f.startService()
        let keys = Set(pending.map(\.notification.idempotencyKey))
        try await eventually("every pending notification delivered after the restart", watching: second) {
            try Set(f.recorder.received.compactMap { $0.headers["idempotency-key"] }).isSuperset(of: keys)
                && (try outbox(f).list(filter: .pending).isEmpty)
        }
        #expect(try await second.stop() == 0)
        let received = f.recorder.received.compactMap { $0.headers["idempotency-key"] }
        #expect(received.count == Set(received).count, "nothing delivered twice")
        #expect(f.fileAlerts().count == 4, "the file sink's lines were not written again")
    }

    @Test func deadDeliveriesAreListedShownAndRetriedThroughTheCLI() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)")
        f.recorder.setMode(.status(400))
        let producer = try f.producer()
        try await producer.send(topic: ServiceFixture.scans, value: try Data(contentsOf: ServiceFixture.sample("trivy-shop-api.json")))
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "s3cret-token"])
        let url = "http://127.0.0.1:\(port)"
        // Every group flushed and every entry settled (a dead entry seen before the last
        // group's flush made the list below one row longer than `dead`).
        try await f.settled(url, records: 1)
        let dead = try outbox(f).list(filter: .dead)
        #expect(!dead.isEmpty, "the webhook's notifications are dead after one HTTP 400")
        #expect(dead.allSatisfy { $0.attempts == 1 && $0.receiver == "pager" }, "400 is not retried")
        let id = try #require(dead.first?.id)

        let (listStatus, list, listErr) = try await f.klaxon(["deliveries", "list", "--dead", "--receiver", "pager", "--url", url])
        #expect(listStatus == 0, "\(listErr)")
        #expect(list.contains("pager") && list.contains("webhook[0]") && list.contains("dead") && list.contains("HTTP 400"), "\(list)")
        #expect(list.split(separator: "\n").count == dead.count + 1, "a header and one row per dead delivery:\n\(list)")
        let (_, none, _) = try await f.klaxon(["deliveries", "list", "--dead", "--receiver", "log", "--url", url])
        #expect(!none.contains("file[0]"), "the file sink's deliveries are not dead")

        let (showStatus, show, showErr) = try await f.klaxon(["deliveries", "show", "\(id)", "--url", url])
        #expect(showStatus == 0, "\(showErr)")
        #expect(show.contains("status: dead") && show.contains("OUTCOME") && show.contains("HTTP 400") && show.contains(" s "), "\(show)")

        let (refused, _, refusedErr) = try await f.klaxon(["deliveries", "retry", "\(id)", "--url", url])
        #expect(refused != 0 && refusedErr.contains("401"), "retry needs the token: \(refusedErr)")

        f.recorder.setMode(.ok)
        let (retried, out, retryErr) = try await f.klaxon(
            ["deliveries", "retry", "\(id)", "--url", url], environment: ["KLAXON_API_TOKEN": "s3cret-token"])
        #expect(retried == 0, "\(retryErr)")
        #expect(out.contains("queued 1 delivery again"))
        try await eventually("the retried notification delivered") { try outbox(f).entry(id)?.status == .delivered }
        #expect(f.recorder.received.contains { $0.headers["idempotency-key"] == dead.first?.notification.idempotencyKey })
        let history = try outbox(f).attempts(of: id).map(\.outcome)
        #expect(history == ["dead", "delivered"])

        let stillDead = try outbox(f).list(filter: .dead).count
        if stillDead > 0 {
            let (status, all, _) = try await f.klaxon(
                ["deliveries", "retry", "--all-dead", "--url", url], environment: ["KLAXON_API_TOKEN": "s3cret-token"])
            #expect(status == 0 && all.contains("queued \(stillDead) deliver"), "\(all)")
            try await eventually("every dead delivery delivered") { try outbox(f).list(filter: .dead).isEmpty && outbox(f).list(filter: .pending).isEmpty }
        }
        #expect(try await service.stop() == 0)
    }

    @Test func apiClosesHalfSentRequestsAndChecksTheTokenWhateverItsLength() async throws {
        let f = try await ServiceFixture()
        let port = try freePort()
        try f.writeConfig(httpListen: "127.0.0.1:\(port)\n  idle_timeout: 1s")
        let service = try f.startService(environment: ["KLAXON_API_TOKEN": "right-token"])
        try await eventually("the API answers", watching: service) { (try? await HTTP.call("GET", "http://127.0.0.1:\(port)/healthz").0) == 200 }

        // A request whose headers never finish: the server must hang up, not wait forever.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let partial = "POST /api/v1/silences HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
        _ = partial.withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        var n = 1
        while n > 0 { n = recv(fd, &buffer, buffer.count, 0) }
        #expect(n == 0, "the server closed the half-sent request (recv returned \(n), errno \(errno))")

        for wrong in ["", "r", "right-toke", "right-tokem", "right-token-and-more", String(repeating: "x", count: 4096)] {
            let (status, _) = try await HTTP.call("POST", "http://127.0.0.1:\(port)/api/v1/deliveries/retry-dead", token: wrong)
            #expect(status == 401, "token \(wrong.prefix(20)) of length \(wrong.count)")
        }
        let (ok, body) = try await HTTP.call("POST", "http://127.0.0.1:\(port)/api/v1/deliveries/retry-dead", token: "right-token")
        #expect(ok == 200 && HTTP.object(body)["retried"] as? Int == 0)
        #expect(try await service.stop() == 0)
    }
}
