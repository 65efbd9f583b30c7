import Foundation

/// One spelling per artifact, so an image Falco saw and the image Trivy scanned meet:
/// `docker.io/library/nginx` and `nginx:latest` are both `nginx:latest`.
public enum ArtifactName {
    /// Images lose Docker Hub's implicit registry and `library/` and gain `:latest` when they
    /// have neither tag nor digest; a Grype scope loses its `grype:` prefix; other names stay.
    public static func normalize(_ name: String, kind: String = "image") -> String {
        var n = name.trimmingCharacters(in: .whitespaces)
        if n.hasPrefix("grype:") { n.removeFirst("grype:".count) }
        guard kind == "image", !n.hasPrefix("sha256:") else { return n }
        for registry in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] where n.hasPrefix(registry) {
            n.removeFirst(registry.count)
            if n.hasPrefix("library/") { n.removeFirst("library/".count) }
            break
        }
        let last = n.split(separator: "/").last.map(String.init) ?? n
        if !last.contains(":") && !n.contains("@") && !n.isEmpty { n += ":latest" }
        return n
    }
}
