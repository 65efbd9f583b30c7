import Foundation
import KlaxonTesting
import Testing

/// The image's build stage loads the package: a folder laid out exactly as the Dockerfile's
/// COPY lines lay out `/src` passes `swift package describe` (no Docker engine needed).
@Suite struct DockerfileTests {
    /// (sources, destination) of each COPY of the first stage, flags (`--chown`) dropped.
    static func buildStageCopies(_ dockerfile: String) -> (workdir: String, copies: [([String], String)]) {
        var workdir = "/"
        var copies: [([String], String)] = []
        var stages = 0
        for raw in dockerfile.split(separator: "\n") {
            let words = raw.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let op = words.first?.uppercased() else { continue }
            if op == "FROM" { stages += 1 }
            guard stages == 1 else { continue }
            if op == "WORKDIR", words.count == 2 { workdir = words[1] }
            if op == "COPY" {
                let args = words.dropFirst().filter { !$0.hasPrefix("--") }
                guard args.count >= 2 else { continue }
                copies.append((Array(args.dropLast()), args.last!))
            }
        }
        return (workdir, copies)
    }

    /// Copies from the package root into `dir` as COPY would into the workdir.
    static func layOut(_ copies: [([String], String)], workdir: String, in dir: URL) throws {
        let fm = FileManager.default
        for (sources, destination) in copies {
            var dest = destination
            if dest.hasPrefix(workdir) { dest = String(dest.dropFirst(workdir.count)) }
            let target = dir.appendingPathComponent(dest)
            for source in sources {
                let from = Tools.packageRoot.appendingPathComponent(source)
                // `COPY a b ./` puts files into the folder; `COPY Dir ./Dir` copies the folder's content.
                let to = destination.hasSuffix("/") ? target.appendingPathComponent(from.lastPathComponent) : target
                try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: from, to: to)
            }
        }
    }

    static func describe(in dir: URL) async throws -> (Int32, String, String) {
        let swift = try Tools.require("swift", package: "the Swift toolchain")
        return try await ChildProcess.run(swift, ["package", "describe"], in: dir)
    }

    @Test func theBuildStageLayoutLoadsThePackage() async throws {
        let dockerfile = try String(contentsOf: Tools.packageRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let (workdir, copies) = Self.buildStageCopies(dockerfile)
        #expect(workdir == "/src")
        #expect(copies.contains { $0.0 == ["Sources"] })
        let ws = try Workspace("docker")
        try Self.layOut(copies, workdir: workdir, in: ws.dir)
        let (status, out, err) = try await Self.describe(in: ws.dir)
        #expect(status == 0, "swift package describe in the Dockerfile's layout: \(err)")
        #expect(out.contains("Name: klaxon"))
        #expect(FileManager.default.fileExists(atPath: ws.path("Package.resolved")), "dependencies pinned in the image")
    }

    /// The check can fail: the layout the Dockerfile used to make (manifest and Sources only)
    /// does not load.
    @Test func aLayoutWithoutTheDeclaredTargetFoldersIsRefused() async throws {
        let (_, copies) = Self.buildStageCopies("FROM swift AS build\nWORKDIR /src\nCOPY Package.swift ./\nCOPY Sources ./Sources\n")
        let ws = try Workspace("docker-old")
        try Self.layOut(copies, workdir: "/src", in: ws.dir)
        let (status, _, err) = try await Self.describe(in: ws.dir)
        #expect(status != 0)
        #expect(err.contains("Benchmarks/"), "\(err)")
    }
}
