import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonService

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Inspect alerts on a running Klaxon, explain them, mark false positives.",
        subcommands: [List.self, Explain.self, History.self, Ack.self, Resolve.self, MarkFalsePositive.self])

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge a firing alert.")
        @OptionGroup var api: ApiOptions
        @Argument(help: "The alert's fingerprint.") var fingerprint: String

        func run() async throws { try await changeState(api, fingerprint, "ack", done: "acknowledged") }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve an alert by hand (its receivers get the resolved notification).")
        @OptionGroup var api: ApiOptions
        @Argument(help: "The alert's fingerprint.") var fingerprint: String

        func run() async throws { try await changeState(api, fingerprint, "resolve", done: "resolved") }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts with their state.")

        @OptionGroup var api: ApiOptions

        @Option(help: "Only alerts in this status: firing, acknowledged, resolved.")
        var status: String?

        @Option(name: .shortAndLong, help: "table or json.")
        var output = "table"

        // As `amtool alert query`: the state flags select what is shown; with none, only active
        // (neither silenced nor inhibited) alerts are.
        @Flag(name: .shortAndLong, help: "Show active alerts (neither silenced nor inhibited); the default when no state flag is given.")
        var active = false

        @Flag(name: .shortAndLong, help: "Show silenced alerts.")
        var silenced = false

        @Flag(name: .shortAndLong, help: "Show inhibited alerts.")
        var inhibited = false

        @Argument(help: "Label matchers, as amtool takes them: severity=critical 'image=~shop-.*' cve!=CVE-2024-1.")
        var matchers: [String] = []

        /// Whether an alert of the API's list is shown under the state flags.
        func shows(_ a: [String: Any]) -> Bool {
            let isSilenced = !(a["silencedBy"] as? [String] ?? []).isEmpty
            let isInhibited = a["inhibited"] as? Bool ?? false
            let showActive = active || (!silenced && !inhibited)
            return (showActive && !isSilenced && !isInhibited) || (silenced && isSilenced) || (inhibited && isInhibited)
        }

        func validate() throws {
            guard ["table", "json"].contains(output) else { throw ValidationError("-o must be table or json") }
            if let status, AlertState.Status(rawValue: status) == nil {
                let valid = AlertState.Status.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--status must be one of \(valid), got \"\(status)\" (silenced and inhibited alerts: -s, -i)")
            }
        }

        func run() async throws {
            var parsed: [Matcher] = []
            for m in matchers {
                do { parsed.append(try Matcher(parsing: m)) } catch { throw ValidationError("bad matcher \(m): \(error)") }
            }
            let data = try await ApiClient(options: api).call("GET", "/api/v1/alerts" + (status.map { "?status=\($0)" } ?? ""))
            let all = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            let list = all.filter { a in
                var labels = a["labels"] as? [String: String] ?? [:]
                let sev = (a["severity"] as? [String: Any])?["id"] as? Int ?? 0
                labels["severity"] = labels["severity"] ?? Severity.Level(rawValue: sev)?.name
                return shows(a) && parsed.allSatisfy { $0.matches(labels) }
            }
            if output == "json" {
                print(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            let rows = list.map { a -> [String] in
                let labels = a["labels"] as? [String: String] ?? [:]
                let sev = (a["severity"] as? [String: Any])?["id"] as? Int ?? 0
                let silencedBy = a["silencedBy"] as? [String] ?? []
                let muted = silencedBy.isEmpty ? (a["inhibited"] as? Bool == true ? "inhibited" : "") : "silenced by " + silencedBy.joined(separator: ",")
                return [
                    a["fingerprint"] as? String ?? "", a["status"] as? String ?? "", Severity.Level(rawValue: sev)?.name ?? "",
                    a["source"] as? String ?? labels["source"] ?? "", labels["alertname"] ?? "", "\(a["occurrences"] as? Int ?? 0)", muted,
                ]
            }
            print(TextTable.render(["FINGERPRINT", "STATUS", "SEVERITY", "SOURCE", "ALERT", "REPORTS", "MUTED"], rows))
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say why an alert was or was not notified: which rule, which silence, which route.")

        @OptionGroup var lookup: AlertLookup

        func run() async throws {
            guard let data = try await lookup.fetch("explain") else { return }
            let r = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            func list(_ key: String) -> String { (r[key] as? [String] ?? []).joined(separator: ", ") }
            var lines = [
                "\(r["fingerprint"] ?? "") \(r["alertname"] ?? "") — \(r["status"] ?? ""), \(r["occurrences"] ?? 0) report(s) from \(list("sources"))",
                "verdict:   \(r["summary"] ?? "")",
            ]
            if let d = r["lastDecision"] as? String, !d.isEmpty { lines.append("filter:    \(d)") }
            if let fp = r["falsePositive"] as? String { lines.append("false positive: \(fp)") }
            lines.append("routes:    \(list("routes"))")
            lines.append("receivers: \(list("receivers"))")
            if !(r["silencedBy"] as? [String] ?? []).isEmpty { lines.append("silenced:  \(list("silencedBy"))") }
            if let inh = r["inhibitedBy"] as? [String: String] {
                lines.append("inhibited by: \(inh.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            }
            for n in r["notifications"] as? [[String: Any]] ?? [] {
                lines.append("sent:      \(n["receiver"] ?? "")/\(n["integration"] ?? "") \(n["status"] ?? "") after \(n["attempts"] ?? 0) attempt(s)")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An alert's history in time order: reports, verdicts, notifications (with delivery), acks, escalations, resolutions.")

        @OptionGroup var lookup: AlertLookup

        func run() async throws {
            guard let data = try await lookup.fetch("history") else { return }
            let events = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            let rows = events.map { e -> [String] in
                var what = e["reason"] as? String ?? ""
                if let n = e["count"] as? Int, n > 1 { what = "\(n) \(what)" + ((e["lastAt"] as? String).map { ", last at \($0)" } ?? "") }
                if let d = e["delivery"] as? String { what += " [\(d)]" }
                return [e["at"] as? String ?? "", e["kind"] as? String ?? "", e["actor"] as? String ?? "", what]
            }
            print(TextTable.render(["AT", "EVENT", "BY", "DETAIL"], rows))
        }
    }

    struct MarkFalsePositive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-false-positive",
            abstract: "Suppress a fingerprint from now on; it counts towards the source's false-positive rate.")

        @OptionGroup var api: ApiOptions

        @Argument(help: "The alert's fingerprint.")
        var fingerprint: String

        @Option(help: "Why it is not a real problem (required).")
        var reason: String

        @Option(help: "Who. Default: $USER.")
        var by: String?

        func run() async throws {
            let body = try JSONSerialization.data(withJSONObject: [
                "reason": reason, "by": by ?? ProcessInfo.processInfo.environment["USER"] ?? "klaxon-cli",
            ])
            _ = try await ApiClient(options: api).call("POST", "/api/v1/alerts/\(fingerprint)/false-positive", body: body)
            print("marked \(fingerprint) as a false positive")
        }
    }
}

/// POSTs `/api/v1/alerts/FP/ACTION` and says what happened.
private func changeState(_ api: ApiOptions, _ fingerprint: String, _ action: String, done: String) async throws {
    _ = try await ApiClient(options: api).call("POST", "/api/v1/alerts/\(fingerprint)/\(action)")
    print("\(done) \(fingerprint)")
}

struct SuppressionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppressions", abstract: "Ignore rules in the route files: list them, import .trivyignore.",
        subcommands: [List.self, Import.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List ignore rules (active ones; --expired for those that stopped applying).")

        @Option(name: .shortAndLong, help: "Route file or folder.")
        var config = "routes"

        @Flag(help: "List only expired rules.")
        var expired = false

        func run() async throws {
            let noise: NoiseConfig
            do { noise = try LoadedConfig.loadRoutes([config]).1 } catch { fail("\(error)") }
            let now = Date()
            let rules = noise.suppressions.filter { expired ? !$0.isActive(at: now) : $0.isActive(at: now) }
            let rows = rules.map { r in
                [r.displayName, r.owner, r.expires.map { $0.formatted(.iso8601.year().month().day()) } ?? "never", r.reason,
                 r.origin?.description ?? ""]
            }
            print(TextTable.render(["RULE", "OWNER", "EXPIRES", "REASON", "WHERE"], rows))
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a .trivyignore (or .trivyignore.yaml) into suppressions to paste into routes/*.yml.")

        @Argument(help: "The .trivyignore file.")
        var file: String

        @Option(help: "Owner recorded on every imported rule.")
        var owner: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            let imported: TrivyIgnore.Import
            do { imported = try TrivyIgnore.load(String(decoding: data, as: UTF8.self), owner: owner, file: file) } catch { fail("\(error)") }
            for w in imported.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            print(SuppressionYAML.render(imported.rules), terminator: "")
        }
    }
}

/// What `alerts explain` and `alerts history` share: the API, the alert, and `--json`.
struct AlertLookup: ParsableArguments {
    @OptionGroup var api: ApiOptions

    @Argument(help: "The alert's fingerprint (16 hex digits).")
    var fingerprint: String

    @Flag(help: "Print the JSON answer.")
    var json = false

    /// GETs `/api/v1/alerts/FP/<what>`; with `--json` prints the answer and returns nil.
    func fetch(_ what: String) async throws -> Data? {
        let data = try await ApiClient(options: api).call("GET", "/api/v1/alerts/\(fingerprint)/\(what)")
        guard json else { return data }
        print(String(decoding: data, as: UTF8.self))
        return nil
    }
}
