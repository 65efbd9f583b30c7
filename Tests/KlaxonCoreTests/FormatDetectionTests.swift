import Foundation
import Testing
@testable import KlaxonCore

@Suite struct FormatDetectionTests {
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 0))

    /// Each fixture folder and the format its files must be detected as.
    static let folders: [(String, InputFormat)] = [
        ("trivy", .trivy), ("trivy-sarif", .sarif), ("falco", .falco), ("guardduty", .guardduty),
        ("inspector2", .inspector2), ("ecr-scan", .ecr), ("securityhub", .securityhub), ("other", .alertmanager),
    ]

    @Test(.enabled(if: Fixtures.enabled, "shared fixtures not found"), arguments: folders)
    func everyFixtureDecodesWithAutoAndExplicitFormat(folder: String, format: InputFormat) throws {
        let files = try Fixtures.files(in: folder).filter { !$0.hasSuffix("README.md") }
        #expect(!files.isEmpty)
        for file in files {
            let auto = try Fixtures.decode(file)
            #expect(auto.format == format, "\(file)")
            #expect(!auto.alerts.isEmpty, "\(file)")
            let explicit = try Fixtures.decode(file, format: format)
            #expect(explicit.alerts == auto.alerts, "\(file)")
        }
    }

    @Test(.enabled(if: Fixtures.enabled, "shared fixtures not found"))
    func everyFixtureFolderHasAFormat() throws {
        let entries = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)
        let folders = entries.filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: Fixtures.directory.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }
        #expect(Set(folders) == Set(Self.folders.map(\.0)))
    }

    /// Each value of a file, and the formats whose detection rule it matches.
    static func ruleMatches(_ data: Data) throws -> [[InputFormat]] {
        let doc = try JSONDocument(bytes: [UInt8](data))
        return doc.roots.map { FormatDetector.matches(doc, root: $0) }
    }

    @Test(arguments: Samples.formats)
    func everySampleMatchesExactlyOneRule(name: String, format: InputFormat) throws {
        for matched in try Self.ruleMatches(Samples.data(name)) {
            #expect(matched == [format], "\(name)")
        }
    }

    @Test(.enabled(if: Fixtures.enabled, "shared fixtures not found"), arguments: folders)
    func everyFixtureMatchesExactlyOneRule(folder: String, format: InputFormat) throws {
        for file in try Fixtures.files(in: folder) where !file.hasSuffix("README.md") {
            for matched in try Self.ruleMatches(Fixtures.data(file)) {
                #expect(matched == [format], "\(file)")
            }
        }
    }

    /// `{"Findings":[…]}` and `{"findings":[…]}` are each written by two services: the finding decides.
    @Test(arguments: [
        (#"{"Findings":[{"SchemaVersion":"2018-10-08","Id":"i","ProductArn":"p","AwsAccountId":"1","Severity":{"Label":"LOW"}}]}"#, InputFormat.securityhub),
        (#"{"Findings":[{"SchemaVersion":"2.0","Id":"i","AccountId":"1","Type":"T","Severity":2,"Service":{}}]}"#, .guardduty),
        (#"{"findings":[{"findingArn":"a","type":"PACKAGE_VULNERABILITY","severity":"LOW"}],"nextToken":"t"}"#, .inspector2),
        (#"{"findings":[{"schemaVersion":"2.0","id":"i","accountId":"1","type":"T","severity":2,"service":{}}]}"#, .guardduty),
        (#"{"Findings":[]}"#, .securityhub),
        (#"{"findings":[],"nextToken":null}"#, .inspector2),
        (#"{"SchemaVersion":"2.0","Id":"i","AccountId":"1","Type":"T","Severity":8,"Service":{}}"#, .guardduty),
        (#"{"imageScanFindings":{},"repositoryName":"r","imageId":{"imageTag":"1"}}"#, .ecr),
    ])
    func awsListsAreToldApartByTheirFindings(json: String, format: InputFormat) throws {
        #expect(try Self.ruleMatches(Data(json.utf8)) == [[format]])
        #expect(try Decoders.decode(Data(json.utf8), format: .auto, context: Self.ctx).format == format)
    }

    @Test(arguments: [
        #"{"hello":"world"}"#,
        #"[1,2,3]"#,
        #""just a string""#,
    ])
    func unknownShapesAreRefusedWithAReason(json: String) {
        do {
            _ = try Decoders.decode(Data(json.utf8), format: .auto, context: Self.ctx)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("unrecognized input"))
        }
    }

    @Test func explicitFormatOnWrongShapeNamesTheMissingField() {
        let falco = Data(#"{"rule":"R","priority":"Warning","output":"o"}"#.utf8)
        #expect(throws: DecodeError(path: "SchemaVersion", "missing")) {
            try Decoders.decode(falco, format: .trivy, context: Self.ctx)
        }
    }

    @Test func mixedNDJSONNamesTheOffendingValue() {
        let data = Data("{\"rule\":\"R\",\"priority\":\"Warning\",\"output\":\"o\"}\n{\"SchemaVersion\":2}\n".utf8)
        #expect(throws: DecodeError(path: "#2.rule", "missing")) {
            try Decoders.decode(data, format: .auto, context: Self.ctx)
        }
    }
}
