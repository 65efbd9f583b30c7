import Foundation

/// `klaxon gate --format junit`: JUnit XML for CI test reports. Suite `limits` has one test per
/// limited level (failed when over); suite `findings` has one test per finding — failed when
/// over the limits, skipped (with reason, owner and expiry) when suppressed, passed otherwise.
public enum GateJUnit {
    public static func encode(_ result: GateResult) -> Data {
        var limitCases: [String] = []
        var limitFailures = 0
        for l in result.levels where l.limit != nil {
            let name = "\(l.level.name): \(l.count) found, limit \(l.limit!)"
            if l.exceeded {
                limitFailures += 1
                limitCases.append(testCase("klaxon.gate.limits", name, body: failure(
                    message: "\(l.level.name) \(l.count) > \(l.limit!)", type: "limit",
                    text: result.findings(.violation).filter { $0.level == l.level }.map(describe).joined(separator: "\n"))))
            } else {
                limitCases.append(testCase("klaxon.gate.limits", name, body: nil))
            }
        }
        var findingCases: [String] = []
        var failures = 0
        var skipped = 0
        for f in result.findings {
            let name = describe(f)
            let classname = "klaxon.gate.findings." + (f.target ?? f.alert.source ?? "unknown")
            switch f.status {
            case .violation:
                failures += 1
                findingCases.append(testCase(classname, name, body: failure(
                    message: "\(f.level.name) findings over the limit of \(result.limits.maximum[f.level] ?? 0)",
                    type: f.alert.severity.name, text: f.alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))))
            case .suppressed:
                skipped += 1
                findingCases.append(testCase(classname, name, body: "<skipped message=\"\(escape(skipMessage(f)))\"/>"))
            case .counted:
                findingCases.append(testCase(classname, name, body: nil))
            }
        }
        let total = limitCases.count + findingCases.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"klaxon gate\" tests=\"\(total)\" failures=\"\(limitFailures + failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        xml += suite("limits", cases: limitCases, failures: limitFailures, skipped: 0)
        xml += suite("findings", cases: findingCases, failures: failures, skipped: skipped)
        xml += "</testsuites>\n"
        return Data(xml.utf8)
    }

    private static func suite(_ name: String, cases: [String], failures: Int, skipped: Int) -> String {
        "  <testsuite name=\"klaxon gate: \(name)\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"0\">\n"
            + cases.joined() + "  </testsuite>\n"
    }

    private static func testCase(_ classname: String, _ name: String, body: String?) -> String {
        let open = "    <testcase classname=\"\(escape(classname))\" name=\"\(escape(name))\" time=\"0\""
        guard let body else { return open + "/>\n" }
        return open + ">\n      " + body + "\n    </testcase>\n"
    }

    private static func failure(message: String, type: String, text: String) -> String {
        "<failure message=\"\(escape(message))\" type=\"\(escape(type))\">\(escape(text))</failure>"
    }

    private static func describe(_ f: GateFinding) -> String {
        var s = "\(f.id) (\(f.alert.severity.name))"
        if let p = f.packageVersion { s += " \(p)" }
        if let t = f.target { s += " on \(t)" }
        return s
    }

    private static func skipMessage(_ f: GateFinding) -> String {
        guard let s = f.suppression else { return "suppressed" }
        var parts = ["suppressed (\(s.reason.rawValue))"]
        if let j = s.justification { parts.append("reason: \(j)") }
        if let o = s.owner { parts.append("owner: \(o)") }
        if let e = s.expires { parts.append("expires: \(NoiseFormat.date(e))") }
        return parts.joined(separator: "; ") + " — " + s.detail
    }

    /// XML text and attribute escaping; characters XML 1.0 cannot carry are dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
