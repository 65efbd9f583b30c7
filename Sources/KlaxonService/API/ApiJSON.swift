import Foundation
import KlaxonCore

/// JSON coding for the HTTP API: RFC 3339 times (fractional seconds accepted and written).
public enum ApiJSON {
    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        return e
    }()

    public static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            if let date = parseDate(s) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 time, got \"\(s)\"")
        }
        return d
    }()

    public static func parseDate(_ s: String) -> Date? {
        (try? Date(s, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
            ?? (try? Date(s, strategy: .iso8601))
    }
}

/// A silence as the API takes it: Alertmanager API v2 fields, matchers as objects or as
/// matcher strings (`alertname="X"`), and Klaxon's `endsOnResolve`.
struct SilenceRequest: Decodable {
    var matchers: [Matcher]
    var startsAt: Date?
    var endsAt: Date?
    var endsOnResolve: Bool?
    var createdBy: String
    var comment: String

    enum CodingKeys: String, CodingKey { case matchers, startsAt, endsAt, endsOnResolve, createdBy, comment }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let strings = try? c.decode([String].self, forKey: .matchers) {
            matchers = []
            for s in strings {
                do { matchers.append(try Matcher(parsing: s)) } catch {
                    throw DecodingError.dataCorruptedError(forKey: .matchers, in: c, debugDescription: "\(s): \(error.message)")
                }
            }
        } else {
            matchers = try c.decode([Matcher].self, forKey: .matchers)
        }
        startsAt = try c.decodeIfPresent(Date.self, forKey: .startsAt)
        endsAt = try c.decodeIfPresent(Date.self, forKey: .endsAt)
        endsOnResolve = try c.decodeIfPresent(Bool.self, forKey: .endsOnResolve)
        createdBy = try c.decode(String.self, forKey: .createdBy)
        comment = try c.decode(String.self, forKey: .comment)
    }

    /// The silence this request creates at `now`, validated with Alertmanager's rules.
    func silence(id: String, now: Date) throws(ApiFailure) -> Silence {
        let ending: Silence.Ending
        if endsOnResolve == true {
            ending = .onResolve
        } else if let endsAt {
            guard endsAt > now else { throw ApiFailure(.badRequest, "endsAt must be in the future") }
            ending = .at(endsAt)
        } else {
            throw ApiFailure(.badRequest, "endsAt is required unless endsOnResolve is true")
        }
        let silence = Silence(
            id: id, matchers: matchers, startsAt: max(startsAt ?? now, now), ending: ending, createdBy: createdBy, comment: comment)
        do { try silence.validate() } catch { throw ApiFailure(.badRequest, error.message) }
        return silence
    }
}

/// A silence as the API shows it: its JSON form plus `status.state`.
struct SilenceView: Encodable {
    let silence: Silence
    let state: Silence.State

    enum CodingKeys: String, CodingKey { case status }
    struct Status: Encodable { let state: String }

    func encode(to encoder: any Encoder) throws {
        try silence.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Status(state: state.rawValue), forKey: .status)
    }
}

/// An API error: an HTTP status and a message, sent as `{"error": "..."}`.
struct ApiFailure: Error {
    enum Kind: Int { case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, conflict = 409, tooLarge = 413, serverError = 500, unavailable = 503 }
    let kind: Kind
    let message: String
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
