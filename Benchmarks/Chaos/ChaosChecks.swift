import Foundation

/// What a chaos run must show, decided over what the receivers, the dead-letter topic and the
/// outbox hold at its end. Pure: the run gathers the evidence, this judges it.
struct ChaosChecks {
    /// One webhook request a receiver accepted (answered 2xx).
    struct Delivery {
        var key: String
        var body: Data
    }

    /// One record of the dead-letter topic.
    struct DeadLetter {
        var originPartition: String?
        var originOffset: String?
        var value: Data
    }

    /// The `container` label of one alert of a webhook body: what names a chaos event.
    static func container(_ alert: [String: Any]) -> String? { (alert["labels"] as? [String: Any])?["container"] as? String }

    private(set) var report: [String] = []
    private(set) var failures: [String] = []

    private mutating func check(_ ok: Bool, _ what: String) {
        report.append("\(ok ? "ok  " : "FAIL") \(what)")
        if !ok { failures.append(what) }
    }

    /// Every distinct event reached the receiver, nothing else did, and each idempotency key
    /// names exactly one notification content (a re-send after a crash reuses its key).
    mutating func deliveries(_ receiver: String, _ accepted: [Delivery], expected: Set<String>) {
        var containers = Set<String>()
        var contentByKey: [String: Set<String>] = [:]
        var keysByContent: [String: Set<String>] = [:]
        var alertsSeen = 0
        for d in accepted {
            let body = (try? JSONSerialization.jsonObject(with: d.body)) as? [String: Any] ?? [:]
            let alerts = body["alerts"] as? [[String: Any]] ?? []
            alertsSeen += alerts.count
            var states: [String] = []
            for a in alerts {
                if let c = Self.container(a) { containers.insert(c) }
                states.append("\(a["fingerprint"] as? String ?? "?"):\(a["status"] as? String ?? "?")")
            }
            let content = "\(body["groupKey"] as? String ?? "?")|" + states.sorted().joined(separator: ",")
            contentByKey[d.key, default: []].insert(content)
            keysByContent[content, default: []].insert(d.key)
        }
        let lost = expected.subtracting(containers)
        let foreign = containers.subtracting(expected)
        let resent = accepted.count - contentByKey.count
        check(lost.isEmpty, "\(receiver): all \(expected.count) alerts delivered (\(lost.count) missing\(lost.isEmpty ? "" : ", e.g. \(lost.sorted().prefix(3))"))")
        check(foreign.isEmpty, "\(receiver): no alert that was not produced (\(foreign.count))")
        check(!accepted.contains { $0.key.isEmpty }, "\(receiver): every request carries an Idempotency-Key")
        let keyClash = contentByKey.values.filter { $0.count > 1 }.count
        let contentClash = keysByContent.values.filter { $0.count > 1 }.count
        check(keyClash == 0 && contentClash == 0,
              "\(receiver): duplicates only under the same key — \(accepted.count) requests, \(contentByKey.count) distinct keys, \(resent) re-sent; keys with two contents: \(keyClash), contents under two keys: \(contentClash)")
        report.append("     \(receiver): \(alertsSeen) alerts in \(accepted.count) requests")
    }

    /// Every malformed message is in the dead-letter topic once per origin offset, and nothing else is.
    mutating func deadLetters(_ letters: [DeadLetter], malformed: Set<Data>, count: Int) {
        let origins = Set(letters.compactMap { l in l.originPartition.flatMap { p in l.originOffset.map { "\(p)/\($0)" } } })
        let strays = letters.filter { !malformed.contains($0.value) }.count
        check(origins.count == count, "dead letters: \(origins.count) distinct origins for \(count) malformed messages (\(letters.count) records)")
        check(strays == 0, "dead letters: only malformed messages (\(strays) others)")
    }

    /// A receiver that never answers lost nothing either: its notifications wait in the outbox.
    mutating func waiting(_ receiver: String, containers: Set<String>, rows: Int, pending: Int, expected: Set<String>) {
        let lost = expected.subtracting(containers)
        check(lost.isEmpty, "\(receiver) (never answers): every alert queued in its outbox rows (\(lost.count) missing; \(rows) rows, \(pending) pending)")
    }

    /// The service stopped only when the run killed it, and its last stops were clean.
    mutating func lives(kills: Int, ownExits: [String], lastExits: [Int32]) {
        check(ownExits.isEmpty, "the service exited only when killed: \(kills) kill -9, \(ownExits.count) exits of its own\(ownExits.isEmpty ? "" : ": \(ownExits)")")
        let statuses = lastExits.map(String.init).joined(separator: ", ")
        check(!lastExits.isEmpty && lastExits.allSatisfy { $0 == 0 },
              lastExits.count == 1 ? "the last instance stopped cleanly on SIGTERM (status \(statuses))"
                  : "all \(lastExits.count) instances stopped cleanly on SIGTERM (statuses \(statuses))")
    }

    mutating func note(_ line: String) { report.append("     " + line) }
}
