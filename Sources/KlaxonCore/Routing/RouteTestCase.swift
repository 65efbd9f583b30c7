import Foundation

/// One case of a `klaxon routes test --cases FILE` suite: an alert's labels, the context it
/// meets (other firing alerts, silences, a moment), and what should happen to it. Every
/// expectation is optional; only the ones given are checked.
public struct RouteTestCase: Sendable, Hashable {
    /// Label shown in results; default `case N` (1-based).
    public var name: String
    public var labels: [String: String]
    /// Overrides the severity read from the `severity` label (for `min_severity`).
    public var severity: Severity.Level?
    /// The moment to evaluate silences and time intervals at; default: the runner's `now`.
    public var at: Date?
    /// Labels of other alerts firing at the same time (inhibition sources).
    public var activeAlerts: [[String: String]]
    /// Silences in force for this case, in addition to the suite's.
    public var silences: [Silence]

    public var expectedReceivers: [String]?
    public var expectedInhibited: Bool?
    public var expectedSilenced: Bool?
    /// Receivers whose route is muted by its time intervals at `at`.
    public var expectedMutedReceivers: [String]?
    /// Group keys, one per matched route, in route order.
    public var expectedGroupKeys: [String]?
    /// Line of the case in its file, for reports.
    public var line: Int

    public init(name: String, labels: [String: String], severity: Severity.Level? = nil, at: Date? = nil,
                activeAlerts: [[String: String]] = [], silences: [Silence] = [],
                expectedReceivers: [String]? = nil, expectedInhibited: Bool? = nil, expectedSilenced: Bool? = nil,
                expectedMutedReceivers: [String]? = nil, expectedGroupKeys: [String]? = nil, line: Int = 0) {
        self.name = name
        self.labels = labels
        self.severity = severity
        self.at = at
        self.activeAlerts = activeAlerts
        self.silences = silences
        self.expectedReceivers = expectedReceivers
        self.expectedInhibited = expectedInhibited
        self.expectedSilenced = expectedSilenced
        self.expectedMutedReceivers = expectedMutedReceivers
        self.expectedGroupKeys = expectedGroupKeys
        self.line = line
    }
}
