import ArgumentParser
import Foundation
import KlaxonCore

/// `klaxon deliveries`: the outbox of a running Klaxon, through its API.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "List queued, failed and dead notifications; show their attempts; retry them.",
        subcommands: [List.self, Show.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first.")
        @OptionGroup var api: ApiOptions
        @Flag(help: "Only entries waiting to be sent.") var pending = false
        @Flag(help: "Only waiting entries that failed at least once.") var failed = false
        @Flag(help: "Only dead-lettered entries (no more attempts).") var dead = false
        @Option(help: "Only this receiver's entries.") var receiver: String?
        @Option(help: "At most this many entries. Default 1000.") var limit: Int?
        @Flag(help: "Print the JSON answer.") var json = false

        func validate() throws {
            if [pending, failed, dead].filter({ $0 }).count > 1 { throw ValidationError("choose one of --pending, --failed, --dead") }
        }

        func run() async throws {
            var query: [String] = []
            if pending { query.append("status=pending") }
            if failed { query.append("status=failed") }
            if dead { query.append("status=dead") }
            if let receiver { query.append("receiver=" + (receiver.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? receiver)) }
            if let limit { query.append("limit=\(limit)") }
            let data = try await ApiClient(options: api).call("GET", "/api/v1/deliveries" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            let rows = list.map { d -> [String] in
                [
                    "\(d["id"] as? Int ?? 0)", d["receiver"] as? String ?? "", d["integration"] as? String ?? "",
                    d["status"] as? String ?? "", "\(d["attempts"] as? Int ?? 0)", d["notificationStatus"] as? String ?? "",
                    "\(d["alerts"] as? Int ?? 0)", Self.short(d["lastError"] as? String ?? ""),
                ]
            }
            print(TextTable.render(["ID", "RECEIVER", "INTEGRATION", "STATUS", "ATTEMPTS", "STATE", "ALERTS", "LAST ERROR"], rows))
        }

        static func short(_ s: String) -> String { s.count > 60 ? String(s.prefix(57)) + "..." : s }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one delivery and every attempt: time, outcome, error, latency.")
        @OptionGroup var api: ApiOptions
        @Argument(help: "The delivery id (from `deliveries list`).") var id: Int64
        @Flag(help: "Print the JSON answer.") var json = false

        func run() async throws {
            let data = try await ApiClient(options: api).call("GET", "/api/v1/deliveries/\(id)")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let d = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            for key in ["id", "receiver", "integration", "status", "attempts", "groupKey", "idempotencyKey", "notificationStatus",
                        "alerts", "fallbackFor", "createdAt", "nextAttemptAt", "deliveredAt", "lastError"] {
                guard let v = d[key], !(v is NSNull) else { continue }
                print("\(key): \(v)")
            }
            let history = d["history"] as? [[String: Any]] ?? []
            let rows = history.map { a -> [String] in
                [
                    a["at"] as? String ?? "", a["outcome"] as? String ?? "",
                    (a["latencySeconds"] as? Double).map { String(format: "%.3f s", $0) } ?? "", a["error"] as? String ?? "",
                ]
            }
            print("")
            print(TextTable.render(["TIME", "OUTCOME", "LATENCY", "ERROR"], rows))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a dead (or waiting) delivery again, or every dead one. Needs the API token.")
        @OptionGroup var api: ApiOptions
        @Argument(help: "The delivery id.") var id: Int64?
        @Flag(help: "Retry every dead delivery.") var allDead = false
        @Option(help: "With --all-dead: only this receiver's.") var receiver: String?

        func validate() throws {
            if (id == nil) == !allDead { throw ValidationError("give a delivery id or --all-dead") }
            if receiver != nil && !allDead { throw ValidationError("--receiver goes with --all-dead") }
        }

        func run() async throws {
            let client = ApiClient(options: api)
            let data: Data
            if let id {
                data = try await client.call("POST", "/api/v1/deliveries/\(id)/retry")
            } else {
                let q = receiver.map { "?receiver=" + ($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0) } ?? ""
                data = try await client.call("POST", "/api/v1/deliveries/retry-dead" + q)
            }
            let n = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["retried"] as? Int ?? 0
            print("queued \(n) deliver\(n == 1 ? "y" : "ies") again")
        }
    }
}
