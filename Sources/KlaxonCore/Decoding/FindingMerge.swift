/// Within one report, findings with the same fingerprint are one alert: scanners list a
/// vulnerability once per target (Trivy per `Result`, e.g. several go.mod files; Grype once per
/// matching advisory). The first is kept; every target is listed in its `targets` annotation.
enum FindingMerge {
    static func append(_ found: [Alert], to alerts: inout [Alert]) {
        var seen: [Fingerprint: Int] = [:]
        seen.reserveCapacity(found.count)
        // Targets are collected and joined once: appending to the annotation per duplicate
        // would be quadratic in a (hostile) report that repeats one finding many times.
        var targets: [Int: [String]] = [:]
        let start = alerts.count
        for a in found {
            if let i = seen[a.fingerprint] {
                if let t = a.labels["target"] { targets[i, default: [alerts[i].labels["target"] ?? ""]].append(t) }
            } else {
                seen[a.fingerprint] = start + seen.count
                alerts.append(a)
            }
        }
        for (i, list) in targets {
            var unique: [String] = []
            var set: Set<String> = []
            for t in list where !t.isEmpty && set.insert(t).inserted { unique.append(t) }
            alerts[i].annotations["targets"] = unique.joined(separator: "\n")
        }
    }
}
