import Foundation

extension TrivyDecoder {
    /// The names (digest, artifact name, image tag) and scan time (`CreatedAt`, else receipt) of
    /// a SchemaVersion 2 report's artifact, for coverage; nil for the other shapes. Called after
    /// `decode`, so the report is known to be well formed.
    func scannedArtifact(root: Int) -> ScannedArtifact? {
        guard doc.kind(root) == .object, doc.member(root, "ClusterName") == nil, doc.member(root, "bomFormat") == nil,
            doc.member(root, "spdxVersion") == nil, let artifact = try? readArtifact(root)
        else { return nil }
        let created = (try? doc.optionalString(root, "CreatedAt")).flatMap { $0 }.flatMap(Timestamps.rfc3339)
        let names = [artifact.id, artifact.name, artifact.image, artifact.digest].compactMap { $0 }.filter { !$0.isEmpty }
        return ScannedArtifact(names: names, at: created ?? assembly.context.receivedAt)
    }
}
