import Foundation
import KlaxonCore

/// `GET /silences`: active, pending and expired silences, and a form whose preview lists the
/// current alerts the new silence would mute before it is created.
struct ConsoleSilencesPage {
    struct Form {
        var matchers = ""
        var duration = "2h"
        var untilResolved = false
        var comment = ""

        init(_ q: [String: String]) {
            matchers = q["matchers"] ?? ""
            duration = q["duration"].flatMap { $0.isEmpty ? nil : $0 } ?? "2h"
            untilResolved = !(q["until_resolved"] ?? "").isEmpty
            comment = q["comment"] ?? ""
        }

        /// The API's silence request for this form, `by` the signed-in name.
        func request(by: String, now: Date) throws -> SilenceRequest {
            let parsed = try ConsoleFormat.matchers(matchers)
            guard !parsed.isEmpty else { throw ApiFailure(.badRequest, "at least one matcher is required") }
            var endsAt: Date?
            if !untilResolved {
                guard let d = ConfigDuration.parse(duration), d > .zero else {
                    throw ApiFailure(.badRequest, "duration must be such as 30m, 2h or 1d, got \(duration)")
                }
                endsAt = now.addingTimeInterval(Double(d.components.seconds))
            }
            return SilenceRequest(
                matchers: parsed, startsAt: now, endsAt: endsAt, endsOnResolve: untilResolved ? true : nil, createdBy: by,
                comment: comment.isEmpty ? "created in the console" : comment)
        }
    }

    struct Preview {
        let count: Int
        let rows: [ConsoleAlertsPage.Row]
    }

    struct Row {
        let id: String
        let matchers: String
        let startsAt: String
        let ends: String
        let createdBy: String
        let comment: String
        let expirable: Bool
    }

    struct List {
        let title: String
        let count: Int
        let hasRows: Bool
        let rows: [Row]
    }

    let form: Form
    let error: String?
    let preview: Preview?
    let lists: [List]
    let session: ConsoleSession?
    let csrf: String?

    static func make(
        _ silences: [Silence], alerts: [ApiActions.Listed], form: Form, previewing: Bool, error: String?, session: ConsoleSession?,
        now: Date, sources: (Fingerprint) -> [String]
    ) -> ConsoleSilencesPage {
        var problem = error
        var preview: Preview?
        if previewing && problem == nil {
            do {
                let matchers = try ConsoleFormat.matchers(form.matchers)
                let hit = alerts.filter { $0.state.status != .resolved && matchers.matches($0.state.alert.labels) }
                preview = Preview(count: hit.count, rows: hit.prefix(ConsoleAlertsPage.rowLimit).map { ConsoleAlertsPage.makeRow($0, now: now, sources: sources) })
            } catch let failure { problem = ConsoleFormat.message(failure) }
        }
        func row(_ s: Silence, _ state: Silence.State) -> Row {
            let ends: String
            switch s.ending {
            case .at(let d): ends = ConsoleFormat.time(s.expiredAt.map { min($0, d) } ?? d) ?? ""
            case .onResolve: ends = s.expiredAt.flatMap(ConsoleFormat.time) ?? "when the alert resolves"
            }
            return Row(
                id: s.id, matchers: s.matchers.map(\.description).joined(separator: ", "), startsAt: ConsoleFormat.time(s.startsAt) ?? "",
                ends: ends, createdBy: s.createdBy, comment: s.comment, expirable: state != .expired)
        }
        let lists = [Silence.State.active, .pending, .expired].map { state -> List in
            let rows = silences.filter { $0.state(at: now) == state }.sorted { $0.startsAt > $1.startsAt }.map { row($0, state) }
            return List(title: state.rawValue.capitalized, count: rows.count, hasRows: !rows.isEmpty, rows: rows)
        }
        return ConsoleSilencesPage(form: form, error: problem, preview: preview, lists: lists, session: session, csrf: session?.csrf)
    }
}

extension SilenceRequest {
    /// A request built from the console's form rather than decoded from JSON.
    init(matchers: [Matcher], startsAt: Date?, endsAt: Date?, endsOnResolve: Bool?, createdBy: String, comment: String) {
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.endsOnResolve = endsOnResolve
        self.createdBy = createdBy
        self.comment = comment
    }
}
