import ArgumentParser
import Foundation
import KlaxonCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit log of a running Klaxon (newest first): reloads, silences, acks, resolutions, false-positive marks.")

    @OptionGroup var api: ApiOptions

    @Option(help: "Only entries this recent (a duration: 1h, 7d).")
    var since: String?

    @Option(help: "Only entries by this actor.")
    var actor: String?

    @Option(help: "Only this action (alert.ack, silence.create, config.reload, …).")
    var action: String?

    @Flag(help: "Print the JSON answer.")
    var json = false

    func validate() throws {
        if let since, ConfigDuration.parse(since) == nil { throw ValidationError("--since must be a duration such as 7d, got \(since)") }
    }

    func run() async throws {
        var query = URLComponents()
        query.queryItems = [("since", since), ("actor", actor), ("action", action)].compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }
        let data = try await ApiClient(options: api).call("GET", "/api/v1/audit" + (query.queryItems!.isEmpty ? "" : "?" + (query.percentEncodedQuery ?? "")))
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        let rows = entries.map { e in ["at", "actor", "action", "subject", "detail"].map { e[$0] as? String ?? "" } }
        print(TextTable.render(["AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL"], rows))
    }
}
