import Mustache

extension ConfigNode {
    /// A Mustache template (`{{commonLabels.alertname}}`), parsed here so a broken one is refused
    /// at load with its position. Go templates from an Alertmanager file (`{{ .Status }}`,
    /// `{{ template "…" . }}`) are refused too: rendered as Mustache they would come out empty.
    func template() throws(ConfigError) -> String {
        let text = try string()
        let compact = text.replacingOccurrences(of: " ", with: "")
        for marker in ["{{.", "{{-", "{{template", "{{range", "{{if", "{{define", "{{with", "{{end"] where compact.contains(marker) {
            throw error(.invalidValue, "Go template syntax is not supported; Klaxon templates are Mustache, e.g. {{commonLabels.alertname}} or {{#alerts}}{{labels.cve}}{{/alerts}}")
        }
        do { _ = try MustacheTemplate(string: text) } catch {
            throw self.error(.invalidValue, "invalid Mustache template: \(error)")
        }
        return text
    }
}

extension ConfigMapping {
    func template(_ key: String) throws(ConfigError) -> String? { try self[key]?.template() }
}
