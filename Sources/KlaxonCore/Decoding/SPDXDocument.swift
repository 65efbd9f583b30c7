/// SPDX JSON (`trivy image --format spdx-json`): SPDX 2.x has no vulnerability section, so it
/// decodes to no alerts and no scope — not an error.
enum SPDXDocument {
    static func check(_ doc: JSONDocument, root: Int) throws(DecodeError) {
        let obj = try doc.requireObject(root)
        let version = try doc.requireString(obj, "spdxVersion")
        guard version.hasPrefix("SPDX-") else { throw doc.error(try doc.requireMember(obj, "spdxVersion"), "expected \"SPDX-2.x\", found \"\(version)\"") }
    }
}
