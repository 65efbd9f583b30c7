import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonService

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Counts and KPIs of the alerts opened in a window: MTTD/MTTA/MTTR median and p90, SLA compliance, false-positive rate.")

    @OptionGroup var api: ApiOptions

    @Option(help: "The window, a duration back from now (30d, 12h, 2w).")
    var since = "30d"

    @Option(help: "Labels to group by, comma-separated (severity, source, environment, or any label).")
    var by = "severity,source"

    @Option(help: "table, json or csv.")
    var format = "table"

    func validate() throws {
        guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format must be table, json or csv") }
        guard ConfigDuration.parse(since) != nil else { throw ValidationError("--since must be a duration such as 30d, got \(since)") }
    }

    func run() async throws {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "since", value: since), URLQueryItem(name: "by", value: by)]
        let data = try await ApiClient(options: api).call("GET", "/api/v1/report?" + (query.percentEncodedQuery ?? ""))
        if format == "json" {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let report = try ApiJSON.decoder.decode(IncidentReport.self, from: data)
        if format == "csv" {
            print(report.csv(), terminator: "")
        } else {
            print("alerts opened \(report.since.formatted(.iso8601)) – \(report.until.formatted(.iso8601))")
            print(report.table())
        }
    }
}
