import Foundation

/// JSON form close to Alertmanager's API v2 silence, plus Klaxon's on-resolve ending:
/// `{"id", "matchers", "startsAt", "endsAt", "endsOnResolve", "expiredAt", "createdBy", "comment"}`.
/// `endsAt` is absent (or null) and `endsOnResolve` true for an on-resolve silence.
extension Silence: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, matchers, startsAt, endsAt, endsOnResolve, expiredAt, createdBy, comment
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let endsAt = try c.decodeIfPresent(Date.self, forKey: .endsAt)
        let onResolve = try c.decodeIfPresent(Bool.self, forKey: .endsOnResolve) ?? false
        let ending: Ending
        if onResolve {
            ending = .onResolve
        } else if let endsAt {
            ending = .at(endsAt)
        } else {
            throw DecodingError.dataCorruptedError(forKey: .endsAt, in: c,
                                                   debugDescription: "endsAt is required unless endsOnResolve is true")
        }
        self.init(id: try c.decode(String.self, forKey: .id),
                  matchers: try c.decode([Matcher].self, forKey: .matchers),
                  startsAt: try c.decode(Date.self, forKey: .startsAt),
                  ending: ending,
                  expiredAt: try c.decodeIfPresent(Date.self, forKey: .expiredAt),
                  createdBy: try c.decode(String.self, forKey: .createdBy),
                  comment: try c.decode(String.self, forKey: .comment))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(matchers, forKey: .matchers)
        try c.encode(startsAt, forKey: .startsAt)
        switch ending {
        case let .at(date): try c.encode(date, forKey: .endsAt)
        case .onResolve: try c.encode(true, forKey: .endsOnResolve)
        }
        try c.encodeIfPresent(expiredAt, forKey: .expiredAt)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(comment, forKey: .comment)
    }
}
