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
        let progress = DecodeProgress()
        let data = try read(progress: progress)
        let context = DecodeContext(receivedAt: Date(), environment: environment)
        let report: DecodedReport
        do {
            report = try await decode(data, format: fmt, context: context, progress: progress)
        } catch {
            progress.finish()
            fail("\(file): \(error)")
        }
        progress.finish()
        if json {
            print(String(decoding: AlertJSON.encode(report), as: UTF8.self))
        } else {
            print(AlertTable.render(report.alerts))
            FileHandle.standardError.write(Data("\(report.alerts.count) alert(s), format \(report.format.rawValue)\n".utf8))
        }
    }

    /// Reads the file (or stdin) in 1 MiB chunks, reporting progress on large inputs.
    private func read(progress: DecodeProgress) throws -> Data {
        let handle: FileHandle
        var total: Int?
        if file == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: file) else { fail("cannot read \(file)") }
            handle = h
            total = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int
        }
        defer { if file != "-" { try? handle.close() } }
        var data = Data()
        if let total { data.reserveCapacity(total) }
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { fail("cannot read \(file): \(error.localizedDescription)") }
            guard let chunk, !chunk.isEmpty else { break }
            data.append(chunk)
            progress.reading(data.count, of: total)
        }
        return data
    }

    /// Decodes while a ticker shows the elapsed time (the decode itself is one pure call).
    private func decode(_ data: Data, format: InputFormat, context: DecodeContext, progress: DecodeProgress) async throws -> DecodedReport {
        guard progress.applies(to: data.count) else { return try Decoders.decode(data, format: format, context: context) }
        return try await withThrowingTaskGroup(of: DecodedReport?.self) { group in
            group.addTask { try Decoders.decode(data, format: format, context: context) }
            group.addTask {
                let start = ContinuousClock.now
                while !Task.isCancelled {
                    progress.decoding(data.count, elapsed: ContinuousClock.now - start)
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let report = next { return report }
            }
            preconditionFailure("the decode task always returns a report or throws")
        }
    }
}
