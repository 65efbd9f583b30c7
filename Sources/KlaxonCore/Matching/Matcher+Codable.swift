/// JSON form of Alertmanager's API v2: `{"name": "team", "value": "db|web", "isRegex": true, "isEqual": true}`.
/// `isEqual` defaults to true when absent (older clients).
extension Matcher: Codable {
    private enum CodingKeys: String, CodingKey { case name, value, isRegex, isEqual }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        let value = try c.decode(String.self, forKey: .value)
        let isRegex = try c.decodeIfPresent(Bool.self, forKey: .isRegex) ?? false
        let isEqual = try c.decodeIfPresent(Bool.self, forKey: .isEqual) ?? true
        let type: MatchType = isRegex ? (isEqual ? .regex : .notRegex) : (isEqual ? .equal : .notEqual)
        do {
            try self.init(type, name: name, value: value)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(type.isRegex, forKey: .isRegex)
        try c.encode(type == .equal || type == .regex, forKey: .isEqual)
    }
}
