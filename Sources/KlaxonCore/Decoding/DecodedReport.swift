import Foundation

/// What one input message decoded to.
public struct DecodedReport: Sendable {
    /// The format that was decoded (never `.auto`).
    public var format: InputFormat
    public var alerts: [Alert]
    /// Scan scopes this report covers completely (artifact names/digests). Findings of these
    /// scopes that are firing but absent from `alerts` are resolved by it. Empty for events.
    public var scopes: [String]
    /// Other names and the scan time of the artifacts this report scanned completely (a Trivy
    /// image's name and tag beside its digest scope), for vulnerability coverage.
    public var scanned: [ScannedArtifact]

    public init(format: InputFormat, alerts: [Alert], scopes: [String] = [], scanned: [ScannedArtifact] = []) {
        self.format = format
        self.alerts = alerts
        self.scopes = scopes
        self.scanned = scanned
    }
}

/// An artifact a report scanned completely: every name it goes by, and when it was scanned.
public struct ScannedArtifact: Sendable, Hashable {
    public var names: [String]
    public var at: Date

    public init(names: [String], at: Date) {
        self.names = names
        self.at = at
    }
}
