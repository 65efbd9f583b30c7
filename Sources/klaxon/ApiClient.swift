import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the running service's API is, and the token for calls that change state.
struct ApiOptions: ParsableArguments {
    @Option(help: "Klaxon's HTTP address. Default: $KLAXON_URL or http://127.0.0.1:9095.")
    var url: String?

    @Option(help: "File with the API bearer token. Default: $KLAXON_API_TOKEN.")
    var tokenFile: String?

    var baseURL: String {
        (url ?? ProcessInfo.processInfo.environment["KLAXON_URL"] ?? "http://127.0.0.1:9095")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    func token() throws -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else { throw ValidationError("cannot read \(tokenFile)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ProcessInfo.processInfo.environment["KLAXON_API_TOKEN"]
    }
}

/// A small JSON client for the service's API. Non-2xx answers become errors with the
/// service's own message.
struct ApiClient {
    let options: ApiOptions

    func call(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        guard let url = URL(string: options.baseURL + path) else { throw ValidationError("bad --url \(options.baseURL)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(ProcessInfo.processInfo.environment["USER"] ?? "klaxon-cli", forHTTPHeaderField: "X-Klaxon-Actor")
        if let token = try options.token() { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw ApiCallFailure(message: "cannot reach \(options.baseURL): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
            throw ApiCallFailure(message: "\(method) \(path): HTTP \(status)\(message.map { ": \($0)" } ?? "")")
        }
        return data
    }
}

struct ApiCallFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
