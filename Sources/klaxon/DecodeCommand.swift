import ArgumentParser
import Foundation
import KlaxonCore

struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Show what Klaxon makes of a scanner's output: the normalized alerts.")

    @Option(help: "Input format, or auto to detect it: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "auto"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "environment label for alerts that carry none.")
    var environment: String?

    @Argument(help: "File to decode, or - for stdin.")
    var file: String = "-"

    func run() async throws {
        guard let fmt = InputFormat(rawValue: format) else { throw ValidationError("unknown format \(format)") }
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            data = d
        }
        let report: DecodedReport
        do {
            report = try Decoders.decode(data, format: fmt, context: DecodeContext(receivedAt: Date(), environment: environment))
        } catch { fail("\(file): \(error)") }
        if json {
            print(String(decoding: AlertJSON.encode(report), as: UTF8.self))
        } else {
            print(AlertTable.render(report.alerts))
            FileHandle.standardError.write(Data("\(report.alerts.count) alert(s), format \(report.format.rawValue)\n".utf8))
        }
    }
}
