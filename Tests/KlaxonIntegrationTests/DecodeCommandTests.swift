import Foundation
import KlaxonTesting
import Testing

/// `klaxon decode` on a large input: progress goes to a terminal only. Here stderr is a pipe, so
/// the output must be exactly what a small input gives (checked by hand on a terminal, see the
/// DecodeProgress doc).
@Suite struct DecodeCommandTests {
    /// A Trivy report of `count` vulnerabilities (~450 bytes each).
    static func bigReport(count: Int) -> Data {
        var s = #"{"SchemaVersion":2,"ArtifactName":"registry.example.com/big:1","ArtifactType":"container_image","Results":[{"Target":"big (alpine 3.19.1)","Class":"os-pkgs","Vulnerabilities":["#
        for i in 0..<count {
            if i > 0 { s += "," }
            s += #"{"VulnerabilityID":"CVE-2024-\#(10000 + i)","PkgName":"pkg\#(i % 500)","InstalledVersion":"1.\#(i)","Severity":"HIGH","#
            s += #""Title":"a long enough title to make the report realistic in size","Description":"\#(String(repeating: "d", count: 300))"}"#
        }
        s += "]}]}"
        return Data(s.utf8)
    }

    @Test func largeFileWithPipedStderrPrintsOnlyTheSummary() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("klaxon-decode-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big.json")
        let data = Self.bigReport(count: 26_000)
        try #require(data.count > 10_000_000)
        try data.write(to: file)

        let (status, table, err) = try await ChildProcess.run(Tools.klaxon, ["decode", file.path], in: dir)
        #expect(status == 0)
        #expect(err == "26000 alert(s), format trivy\n")
        #expect(!table.contains("\u{1B}"))
        let (jsonStatus, _, jsonErr) = try await ChildProcess.run(Tools.klaxon, ["decode", "--json", "-"], input: data, in: dir)
        #expect(jsonStatus == 0)
        #expect(jsonErr.isEmpty)
    }
}
