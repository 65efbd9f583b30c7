/// Resolution by absence: a scanner report covers its scan scopes (artifacts) completely, so a
/// finding of one of those scopes that is firing but missing from the new report is fixed.
public enum ScanScopeResolution {
    /// The firing fingerprints that must resolve because a report for their scope no longer has them.
    ///
    /// - Parameters:
    ///   - firing: firing (or acknowledged) alerts as fingerprint → scope; alerts of other
    ///     scopes may be included, they are left alone.
    ///   - reportScopes: `DecodedReport.scopes` — the scopes the report covers completely.
    ///     Empty (runtime events) resolves nothing.
    ///   - present: fingerprints the report contains (suppressed ones included: an ignored
    ///     finding is still present).
    /// - Returns: fingerprints to resolve, sorted.
    public static func disappeared(
        firing: [Fingerprint: String], reportScopes: [String], present: Set<Fingerprint>
    ) -> [Fingerprint] {
        guard !reportScopes.isEmpty, !firing.isEmpty else { return [] }
        let scopes = Set(reportScopes)
        var out: [Fingerprint] = []
        for (fp, scope) in firing where scopes.contains(scope) && !present.contains(fp) { out.append(fp) }
        return out.sorted()
    }

    /// `disappeared(firing:reportScopes:present:)` for a decoded report.
    public static func disappeared(firing: [Fingerprint: String], report: DecodedReport) -> [Fingerprint] {
        disappeared(firing: firing, reportScopes: report.scopes, present: Set(report.alerts.map(\.fingerprint)))
    }
}
