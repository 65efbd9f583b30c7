/// `klaxon gate`'s terminal report: counts per level against limits, the findings that break
/// them, the findings suppressed (with reason, owner and expiry), and the verdict.
public enum GateTable {
    public static func render(_ result: GateResult) -> String {
        var out: [String] = []
        let rows = result.levels.filter { $0.count > 0 || $0.suppressed > 0 || $0.limit != nil }.map { l in
            [l.level.name, "\(l.count)", "\(l.suppressed)", l.limit.map(String.init) ?? "-", l.exceeded ? "FAIL" : "ok"]
        }
        out.append(TextTable.render(["SEVERITY", "FOUND", "SUPPRESSED", "LIMIT", "STATUS"], rows, rule: true))
        let violations = result.findings(.violation)
        if !violations.isEmpty {
            out.append("")
            out.append("over the limits (\(violations.count)):")
            out.append(indent(TextTable.render(["SEVERITY", "ID", "PACKAGE", "TARGET"], violations.map(row))))
        }
        let suppressed = result.findings(.suppressed)
        if !suppressed.isEmpty {
            out.append("")
            out.append("suppressed (\(suppressed.count)):")
            out.append(indent(TextTable.render(
                ["SEVERITY", "ID", "PACKAGE", "TARGET", "WHY"], suppressed.map { row($0) + [$0.suppression?.detail ?? ""] })))
        }
        out.append("")
        let env = result.environment.map { " (\($0))" } ?? ""
        if result.violations.isEmpty {
            out.append("gate\(env): PASSED — \(result.verdictText)")
        } else if result.passed {
            out.append("gate\(env): PASSED (fail_on_violation is off) — \(result.verdictText)")
        } else {
            out.append("gate\(env): FAILED — \(result.verdictText)")
        }
        return out.joined(separator: "\n")
    }

    private static func row(_ f: GateFinding) -> [String] {
        [f.alert.severity.name, f.id, f.packageVersion ?? "-", f.target ?? "-"]
    }

    private static func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}
