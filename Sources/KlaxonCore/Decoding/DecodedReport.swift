/// What one input message decoded to.
public struct DecodedReport: Sendable {
    /// The format that was decoded (never `.auto`).
    public var format: InputFormat
    public var alerts: [Alert]
    /// Scan scopes this report covers completely (artifact names/digests). Findings of these
    /// scopes that are firing but absent from `alerts` are resolved by it. Empty for events.
    public var scopes: [String]

    public init(format: InputFormat, alerts: [Alert], scopes: [String] = []) {
        self.format = format
        self.alerts = alerts
        self.scopes = scopes
    }
}
