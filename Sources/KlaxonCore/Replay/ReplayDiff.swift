/// The difference between what the current and the candidate configuration would have done
/// with the same history: per receiver, and per alert verdict.
public struct ReplayDiff: Sendable, Hashable {
    /// An alert as the diff names it.
    public struct AlertRef: Sendable, Hashable, Comparable {
        public var fingerprint: Fingerprint
        /// `cve`, else `rule`, else `alertname`.
        public var name: String
        public var severity: String
        public var labels: [String: String]

        init(_ alert: Alert) {
            fingerprint = alert.fingerprint
            name = alert.labels["cve"] ?? alert.labels["rule"] ?? alert.name
            severity = alert.severity.name
            labels = alert.labels
        }

        public static func < (a: AlertRef, b: AlertRef) -> Bool { (a.name, a.fingerprint) < (b.name, b.fingerprint) }
    }

    public struct ReceiverChange: Sendable, Hashable {
        public var receiver: String
        public var notificationsBefore: Int
        public var notificationsAfter: Int
        public var groupsBefore: Int
        public var groupsAfter: Int
        /// Alerts the receiver would now be told of, and was not.
        public var gained: [AlertRef]
        /// Alerts the receiver was told of and would no longer be.
        public var lost: [AlertRef]

        public var changed: Bool {
            notificationsBefore != notificationsAfter || groupsBefore != groupsAfter || !gained.isEmpty || !lost.isEmpty
        }
    }

    public struct VerdictChange: Sendable, Hashable {
        public var alert: AlertRef
        /// The suppression reason on the side that suppresses it.
        public var reason: SuppressionReason
        /// The rule, as the noise filter explains it.
        public var detail: String
    }

    /// Every receiver of either configuration, sorted by name.
    public var receivers: [ReceiverChange]
    /// Reached routing under the current config; suppressed under the candidate.
    public var newlySuppressed: [VerdictChange]
    /// Suppressed under the current config; reaches routing under the candidate.
    public var unsuppressed: [VerdictChange]
    /// Alerts replayed (distinct fingerprints under the candidate config).
    public var alertCount: Int
    public var eventCount: Int

    public var hasChanges: Bool { receivers.contains(where: \.changed) || !newlySuppressed.isEmpty || !unsuppressed.isEmpty }

    public init(current: ReplayOutcome, candidate: ReplayOutcome, eventCount: Int) {
        let before = current.alertsNotified
        let after = candidate.alertsNotified
        var alerts: [Fingerprint: Alert] = [:]
        for v in current.verdicts.values { alerts[v.alert.fingerprint] = v.alert }
        for v in candidate.verdicts.values { alerts[v.alert.fingerprint] = v.alert }
        func refs(_ fps: Set<Fingerprint>) -> [AlertRef] { fps.compactMap { alerts[$0].map(AlertRef.init) }.sorted() }
        let names = Set(current.receivers + candidate.receivers + Array(before.keys) + Array(after.keys)).sorted()
        receivers = names.map { r in
            let b = before[r] ?? [], a = after[r] ?? []
            return ReceiverChange(
                receiver: r,
                notificationsBefore: current.notifications.filter { $0.receiver == r }.count,
                notificationsAfter: candidate.notifications.filter { $0.receiver == r }.count,
                groupsBefore: current.groups[r]?.count ?? 0, groupsAfter: candidate.groups[r]?.count ?? 0,
                gained: refs(a.subtracting(b)), lost: refs(b.subtracting(a)))
        }
        var suppressed: [VerdictChange] = []
        var unsuppressed: [VerdictChange] = []
        for (fp, new) in candidate.verdicts {
            let old = current.verdicts[fp]
            if let reason = new.reason, old == nil || old?.reason == nil {
                suppressed.append(VerdictChange(alert: AlertRef(new.alert), reason: reason, detail: new.detail ?? reason.rawValue))
            } else if new.reason == nil, let old, let reason = old.reason {
                unsuppressed.append(VerdictChange(alert: AlertRef(new.alert), reason: reason, detail: old.detail ?? reason.rawValue))
            }
        }
        newlySuppressed = suppressed.sorted { $0.alert < $1.alert }
        self.unsuppressed = unsuppressed.sorted { $0.alert < $1.alert }
        alertCount = candidate.verdicts.count
        self.eventCount = eventCount
    }
}
