import Foundation
import Hummingbird
import KlaxonCore

extension AlertmanagerV2Routes {
    /// The query of `GET /api/v2/alerts` and `/alerts/groups`, with Alertmanager's meaning:
    /// `filter` matchers (all must match the labels), `receiver` (an anchored regex one of the
    /// alert's receivers must match), and `active`, `silenced`, `inhibited`, `unprocessed`
    /// (default true; false leaves out alerts in that state).
    struct AlertQuery {
        var matchers: [Matcher] = []
        var receiver: Regex<AnyRegexOutput>?
        var active = true
        var silenced = true
        var inhibited = true
        var unprocessed = true

        init(_ request: Request, unprocessed allowsUnprocessed: Bool) throws(ApiFailure) {
            let q = request.uri.queryParameters
            for text in q.getAll("filter") {
                do { matchers.append(try Matcher(parsing: String(text))) } catch {
                    throw ApiFailure(.badRequest, "bad matcher format: \(text): \(error.message)")
                }
            }
            if let r = q["receiver"].map(String.init), !r.isEmpty {
                do { receiver = try Regex("^(?:" + r + ")$") } catch {
                    throw ApiFailure(.badRequest, "failed to parse receiver param: \(r)")
                }
            }
            active = try Self.flag(q["active"], "active")
            silenced = try Self.flag(q["silenced"], "silenced")
            inhibited = try Self.flag(q["inhibited"], "inhibited")
            if allowsUnprocessed { unprocessed = try Self.flag(q["unprocessed"], "unprocessed") }
        }

        static func flag(_ value: Substring?, _ name: String) throws(ApiFailure) -> Bool {
            guard let text = value else { return true }
            switch text.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw ApiFailure(.badRequest, "\(name) must be true or false, got \(text)")
            }
        }

        func admits(receiver name: String) -> Bool {
            guard let receiver else { return true }
            return (try? receiver.wholeMatch(in: name)) != nil
        }

        /// Klaxon has no unprocessed state: an alert is in the store once routed and muted.
        func admits(_ view: View, receiverFilter: Bool = true) -> Bool {
            let a = view.alert
            if receiverFilter, receiver != nil, !a.receivers.contains(where: { admits(receiver: $0.name) }) { return false }
            if !matchers.matches(a.labels) { return false }
            if !active && a.status.state == "active" { return false }
            if !silenced && !a.status.silencedBy.isEmpty { return false }
            if !inhibited && !a.status.inhibitedBy.isEmpty { return false }
            return true
        }
    }
}
