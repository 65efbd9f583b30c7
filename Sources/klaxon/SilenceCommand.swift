import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonService

struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Add, list, expire and import silences on a running Klaxon.",
        subcommands: [Add.self, List.self, Expire.self, Import.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Silence alerts matching all matchers.",
            discussion: "klaxon silence add alertname=CVE-2024-6387 image=~'registry.example.com/shop/.*' --comment 'patch rolling out' --duration 4h")

        @OptionGroup var api: ApiOptions

        @Argument(help: "Matchers, Alertmanager syntax: name=value, name!=value, name=~regex, name!~regex.")
        var matchers: [String]

        @Option(help: "Why (required).")
        var comment: String

        @Option(help: "Who. Default: $USER.")
        var author: String?

        @Option(help: "How long, e.g. 2h, 1d. Default 2h unless --until or --until-resolved.")
        var duration: String?

        @Option(help: "End time, RFC 3339.")
        var until: String?

        @Flag(help: "End when the silenced alerts resolve (Klaxon's on-resolve silences).")
        var untilResolved = false

        func run() async throws {
            for m in matchers {
                do { _ = try Matcher(parsing: m) } catch { throw ValidationError("\(m): \(error.message)") }
            }
            var body: [String: Any] = [
                "matchers": matchers, "comment": comment,
                "createdBy": author ?? ProcessInfo.processInfo.environment["USER"] ?? "klaxon-cli",
            ]
            if untilResolved {
                body["endsOnResolve"] = true
            } else if let until {
                body["endsAt"] = until
            } else {
                guard let d = ConfigDuration.parse(duration ?? "2h") else { throw ValidationError("bad --duration \(duration ?? "")") }
                let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                body["endsAt"] = Date().addingTimeInterval(seconds).formatted(.iso8601)
            }
            let data = try await ApiClient(options: api).call("POST", "/api/v1/silences", body: try JSONSerialization.data(withJSONObject: body))
            let id = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["silenceID"] as? String ?? "?"
            print(id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List silences (active and pending; --expired for all).")

        @OptionGroup var api: ApiOptions

        @Flag(help: "Include expired silences.")
        var expired = false

        func run() async throws {
            struct Item: Decodable {
                let silence: Silence
                let state: String
                init(from decoder: any Decoder) throws {
                    silence = try Silence(from: decoder)
                    struct Status: Decodable { let state: String }
                    enum Keys: String, CodingKey { case status }
                    state = try decoder.container(keyedBy: Keys.self).decode(Status.self, forKey: .status).state
                }
            }
            let data = try await ApiClient(options: api).call("GET", "/api/v1/silences")
            let rows = try ApiJSON.decoder.decode([Item].self, from: data)
                .filter { expired || $0.state != "expired" }
                .map { item -> [String] in
                    let s = item.silence
                    let ends: String = switch s.ending {
                    case .onResolve: "on resolve"
                    case .at(let d): d.formatted(.iso8601)
                    }
                    return [s.id, item.state, s.matchers.map(\.description).joined(separator: " "), ends, s.createdBy, s.comment]
                }
            print(TextTable.render(["ID", "STATE", "MATCHERS", "ENDS", "CREATED BY", "COMMENT"], rows))
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Expire silences now.")

        @OptionGroup var api: ApiOptions

        @Argument(help: "Silence IDs, or unique prefixes of them (as `silence list` shows them).")
        var ids: [String]

        func run() async throws {
            let client = ApiClient(options: api)
            struct Listed: Decodable { let id: String }
            let known = try ApiJSON.decoder.decode([Listed].self, from: try await client.call("GET", "/api/v1/silences")).map(\.id)
            var resolved: [String] = []
            for prefix in ids {
                do { resolved.append(try SilenceIDPrefix.resolve(prefix, among: known)) } catch { fail(error.message) }
            }
            for id in resolved {
                _ = try await client.call("DELETE", "/api/v1/silences/\(id)")
                print("expired \(id)")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import silences exported from Alertmanager (`amtool silence query -o json`, or GET /api/v2/silences).",
            discussion: "Expired silences are skipped; each imported silence gets a new ID. A silence identical to one in force (matchers, start, end, creator, comment) is not created twice: importing a file again adds nothing.")

        @OptionGroup var api: ApiOptions

        @Argument(help: "JSON file (an array of silences), or - for stdin.")
        var file: String

        func run() async throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw ValidationError("\(file): expected a JSON array of silences")
            }
            let client = ApiClient(options: api)
            struct Listed: Decodable { let id: String }
            var known = Set(try ApiJSON.decoder.decode([Listed].self, from: try await client.call("GET", "/api/v1/silences")).map(\.id))
            var imported = 0, skipped = 0, present = 0
            for s in list {
                if (s["status"] as? [String: Any])?["state"] as? String == "expired" { skipped += 1; continue }
                var body: [String: Any] = [:]
                for key in ["matchers", "startsAt", "endsAt", "endsOnResolve", "createdBy", "comment"] where s[key] != nil {
                    body[key] = s[key]
                }
                do {
                    let answer = try await client.call("POST", "/api/v1/silences", body: try JSONSerialization.data(withJSONObject: body))
                    // The service answers an identical silence already in force with that one's id.
                    let id = (try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["silenceID"] as? String ?? ""
                    if known.insert(id).inserted { imported += 1 } else { present += 1 }
                } catch {
                    FileHandle.standardError.write(Data("skipped silence \(s["id"] ?? "?"): \(error)\n".utf8))
                    skipped += 1
                }
            }
            print("imported \(imported), skipped \(skipped)" + (present > 0 ? ", already present \(present)" : ""))
        }
    }
}
