import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Minimal HTTP calls for tests: (status, body).
public enum HTTP {
    /// - Parameter actor: sent as `X-Klaxon-Actor` (who the API records as acting).
    public static func call(_ method: String, _ url: String, token: String? = nil, actor: String? = nil, json: Any? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let actor { request.setValue(actor, forHTTPHeaderField: "X-Klaxon-Actor") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    public static func text(_ url: String) async throws -> String {
        String(decoding: try await call("GET", url).1, as: UTF8.self)
    }

    public static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
}

/// Prometheus' text exposition format, read just enough for tests: one sample per line.
public enum Prometheus {
    public struct Sample: Sendable {
        public var name: String
        /// The `{…}` part as written, empty when there is none.
        public var labels: String
        public var value: Double
    }

    public static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            let brace = series.firstIndex(of: "{") ?? series.endIndex
            return Sample(name: String(series[..<brace]), labels: String(series[brace...]), value: value)
        }
    }
}
