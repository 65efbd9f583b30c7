import Foundation
import KlaxonTesting
import Testing
@testable import KlaxonCore

/// Seeded, reproducible mutation fuzzing of every decoder. Each format gets `cases` mutants of
/// real-shaped inputs (the repo samples, plus the shared fixtures when present); every mutant
/// must decode or throw a `DecodeError` — never crash, hang or produce a malformed alert.
/// Reproduce a failure with KLAXON_FUZZ_SEED=<seed printed in the issue>.
/// Serialized, and yielding every few cases: the loop is minutes of CPU in a debug build, and
/// formats fuzzed side by side held both of the cooperative pool's threads (two on this host)
/// for the first ~2 minutes of the suite, starving every test that times an HTTP answer.
@Suite(.serialized) struct FuzzTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["KLAXON_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4B4C_4158_4F4E
    static let cases: Int = ProcessInfo.processInfo.environment["KLAXON_FUZZ_CASES"].flatMap { Int($0) } ?? 10_000
    static let ctx = DecodeContext(receivedAt: Date(timeIntervalSince1970: 1_750_000_000), environment: "fuzz", extraLabels: ["x": "y"])

    static let fixtureFolders: [InputFormat: String] = [
        .trivy: "trivy", .falco: "falco", .sarif: "trivy-sarif", .guardduty: "guardduty", .inspector2: "inspector2",
        .ecr: "ecr-scan", .securityhub: "securityhub", .alertmanager: "other",
    ]

    /// Seeds for a format: its samples, and its small fixtures (large ones would only slow the run).
    static func seeds(_ format: InputFormat) throws -> [[UInt8]] {
        var out = try Samples.formats.filter { $0.1 == format }.map { [UInt8](try Samples.data($0.0)) }
        if Fixtures.available, let folder = fixtureFolders[format] {
            for f in try Fixtures.files(in: folder) {
                let d = try Fixtures.data(f)
                if d.count <= 6_000 { out.append([UInt8](d)) }
            }
        }
        return out
    }

    @Test(arguments: InputFormat.allCases.filter { $0 != .auto })
    func mutantsDecodeOrFail(format: InputFormat) async throws {
        let seeds = try Self.seeds(format)
        try #require(!seeds.isEmpty)
        var rng = SplitMix64(seed: Self.seed ^ format.rawValue.stableHash)
        var decoded = 0, refused = 0
        for n in 0..<Self.cases {
            if n % 64 == 63 { await Task.yield() }
            var bytes = seeds[rng.below(seeds.count)]
            let other = seeds[rng.below(seeds.count)]
            for _ in 0..<(1 + rng.below(3)) { Mutator.mutate(&bytes, other: other, rng: &rng) }
            let asFormat: InputFormat = n % 2 == 0 ? .auto : format
            do {
                let first = try Decoders.decode(Data(bytes), format: asFormat, context: Self.ctx)
                decoded += 1
                try Self.checkInvariants(first)
                // Pure: the same bytes decode to the same alerts (checked on a sample of cases).
                guard n % 8 == 1 else { continue }
                let again = try Decoders.decode(Data(bytes), format: asFormat, context: Self.ctx)
                #expect(again.alerts == first.alerts, "case \(n) seed \(Self.seed)")
            } catch let error as DecodeError {
                refused += 1
                if error.message.isEmpty { Issue.record("empty error message, case \(n) seed \(Self.seed)") }
            }
        }
        // Both outcomes must occur, or the mutator is not exercising the decoder.
        #expect(decoded > 0)
        #expect(refused > 0)
    }

    static func checkInvariants(_ r: DecodedReport) throws {
        #expect(r.format != .auto)
        for a in r.alerts {
            #expect(a.labels["alertname"]?.isEmpty == false)
            #expect(a.source?.isEmpty == false)
            // Alertmanager-shaped alerts keep the `severity` label they came with (or none).
            if r.format != .alertmanager { #expect(a.labels["severity"] == a.severity.name) }
            #expect((0...6).contains(a.severity.id) && (0...100).contains(a.severity.score))
            #expect(a.labels["environment"] != nil && a.labels["x"] != nil)
            #expect(!a.labels.values.contains(""))
        }
    }
}


extension String {
    /// FNV-1a of the UTF-8 bytes: a hash that, unlike `hashValue`, is the same in every run.
    var stableHash: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

enum Mutator {
    static let replacements: [[UInt8]] = [
        "0", "-1", "1.5", "-1.5e308", "1e999999", "99999999999999999999999999999", "-9223372036854775809",
        "\"\"", "\"x\"", "\"\\ud800\"", "\"\\u0000\"", "null", "true", "false", "[]", "{}", "[1,\"a\",{}]", "{\"a\":[null]}",
    ].map { Array($0.utf8) }
    static let invalidUTF8: [[UInt8]] = [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x28, 0xA1]]

    static func mutate(_ b: inout [UInt8], other: [UInt8], rng: inout SplitMix64) {
        if b.isEmpty { b = other; return }
        switch rng.below(11) {
        case 0:  // flip bits
            for _ in 0..<(1 + rng.below(4)) { b[rng.below(b.count)] ^= UInt8(1 << rng.below(8)) }
        case 1:  // truncate
            b.removeSubrange(rng.below(b.count)...)
        case 2:  // insert random bytes
            let at = rng.below(b.count + 1)
            b.insert(contentsOf: (0..<(1 + rng.below(4))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 3:  // delete a range
            let s = rng.below(b.count)
            b.removeSubrange(s..<min(b.count, s + 1 + rng.below(64)))
        case 4:  // duplicate a range
            let s = rng.below(b.count)
            let chunk = Array(b[s..<min(b.count, s + 1 + rng.below(128))])
            b.insert(contentsOf: chunk, at: rng.below(b.count + 1))
        case 5, 6:  // swap a value for one of another type (or a huge number)
            swapValue(&b, rng: &rng)
        case 7:  // deep nesting around a value or the whole document
            let depth = rng.below(10) == 0 ? 50_000 : 1 + rng.below(200)
            if rng.below(2) == 0 {
                b = [UInt8](repeating: UInt8(ascii: "["), count: depth) + b + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
            } else if let (s, e) = valueRange(b, rng: &rng) {
                b.replaceSubrange(s..<e, with: [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth))
            }
        case 8:  // invalid UTF-8 inside a string
            if let q = positions(of: UInt8(ascii: "\""), in: b).randomElement(using: &rng) {
                b.insert(contentsOf: invalidUTF8[rng.below(invalidUTF8.count)], at: q + 1)
            }
        case 9:  // splice with another input
            let cut = rng.below(b.count), from = rng.below(max(1, other.count))
            b = Array(b[..<cut]) + Array(other[min(from, other.count)...])
        default:  // a key renamed, so required fields go missing
            if let q = positions(of: UInt8(ascii: ":"), in: b, after: UInt8(ascii: "\"")).randomElement(using: &rng) {
                b[q - 2] = b[q - 2] == UInt8(ascii: "_") ? UInt8(ascii: "z") : UInt8(ascii: "_")
            }
        }
    }

    /// The indices of `byte` in `b` (past index 1 and right after `previous` when given). A plain
    /// loop over the buffer: `indices.filter` was most of the fuzz run's time in a debug build.
    static func positions(of byte: UInt8, in b: [UInt8], after previous: UInt8? = nil) -> [Int] {
        b.withUnsafeBufferPointer { p in
            var out: [Int] = []
            var i = previous == nil ? 0 : 2
            while i < p.count {
                if p[i] == byte, previous == nil || p[i - 1] == previous { out.append(i) }
                i += 1
            }
            return out
        }
    }

    static func swapValue(_ b: inout [UInt8], rng: inout SplitMix64) {
        guard let (s, e) = valueRange(b, rng: &rng) else { return }
        b.replaceSubrange(s..<e, with: replacements[rng.below(replacements.count)])
    }

    /// The byte range of the value after a random `:` (lexically; strings and nesting respected).
    static func valueRange(_ b: [UInt8], rng: inout SplitMix64) -> (Int, Int)? {
        let colons = positions(of: UInt8(ascii: ":"), in: b)
        guard !colons.isEmpty else { return nil }
        var i = colons[rng.below(colons.count)] + 1
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 || b[i] == 0x0D { i += 1 }
        guard i < b.count else { return nil }
        let start = i
        var depth = 0
        var inString = false
        while i < b.count {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false; if depth == 0 { return (start, i + 1) } }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { return (start, i) }
                depth -= 1
                if depth == 0 { return (start, i + 1) }
            } else if c == UInt8(ascii: ","), depth == 0 {
                return (start, i)
            }
            i += 1
        }
        return (start, b.count)
    }
}

extension Array {
    func randomElement(using rng: inout SplitMix64) -> Element? { isEmpty ? nil : self[rng.below(count)] }
}
