import Foundation
import KlaxonCore
@testable import KlaxonDelivery
import KlaxonTesting
import Testing

/// The webhook body and file lines `JSONWriter` builds are the bytes Foundation's `JSONEncoder`
/// (sorted keys, slashes unescaped) wrote before — checked on generated notifications with
/// every optional field, awkward strings and timestamps.
@Suite struct NotificationJSONTests {
    /// A small deterministic generator, so a failure names a reproducible case.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let awkward = ["", "plain", "a/b", "quote\"d", "back\\slash", "line\nbreak\r\ttab", "\u{1}\u{1f}\u{7f}",
                          "é ünïcode 漢字 🚨", "\u{2028}\u{2029}", "{\"json\":[1]}", "Z", "_", "a10", "a9", "B"]

    static func text(_ g: inout SplitMix) -> String {
        (0..<Int.random(in: 1...2, using: &g)).map { _ in awkward.randomElement(using: &g)! }.joined()
    }

    static func map(_ g: inout SplitMix) -> [String: String] {
        var m: [String: String] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &g) { m[text(&g)] = text(&g) }
        return m
    }

    static func date(_ g: inout SplitMix) -> Date {
        // Whole, sub-millisecond and just-below-a-second instants, 1970 to 2100.
        let base = Double(Int.random(in: 0...4_102_444_800, using: &g))
        return Date(timeIntervalSince1970: base + [0, 0.0005, 0.123456, 0.9999, Double.random(in: 0..<1, using: &g)].randomElement(using: &g)!)
    }

    static func notification(_ g: inout SplitMix) -> AlertNotification {
        let alerts = (0..<Int.random(in: 0...4, using: &g)).map { _ in
            NotifiedAlert(
                status: [.firing, .resolved, .acknowledged].randomElement(using: &g)!, fingerprint: Fingerprint(labels: map(&g)),
                labels: map(&g), annotations: map(&g), severity: [Severity.critical, .high, .medium, .low, .info, .unknown, .fatal].randomElement(using: &g)!,
                startsAt: date(&g), endsAt: Bool.random(using: &g) ? date(&g) : nil, occurrences: Int.random(in: 1...100_000, using: &g))
        }
        var n = AlertNotification(
            idempotencyKey: text(&g), receiver: text(&g), status: [.firing, .resolved, .acknowledged].randomElement(using: &g)!,
            groupKey: text(&g), groupLabels: map(&g), alerts: alerts)
        if Bool.random(using: &g) { n.fallbackFor = text(&g) }
        if Bool.random(using: &g) { n.acknowledgedBy = text(&g) }
        if Bool.random(using: &g) { n.acknowledgedAt = date(&g) }
        return n
    }

    @Test func webhookBodiesAreTheBytesJSONEncoderWrote() throws {
        var g = SplitMix(state: 42)
        for i in 0..<2_000 {
            let n = Self.notification(&g)
            let max = [0, 0, 1, 2].randomElement(using: &g)!
            let url = Bool.random(using: &g) ? "" : "https://klaxon.example/alerts?x=1"
            let ours = String(decoding: NotificationJSON.webhook(n, maxAlerts: max, externalURL: url), as: UTF8.self)
            let reference = String(decoding: try EncoderNotificationJSON.webhook(n, maxAlerts: max, externalURL: url), as: UTF8.self)
            try #require(ours == reference, "case \(i)")
        }
    }

    @Test func fileLinesAreTheBytesJSONEncoderWrote() throws {
        var g = SplitMix(state: 7)
        for i in 0..<2_000 {
            let n = Self.notification(&g)
            try #require(NotificationJSON.fileLines(n) == (try EncoderNotificationJSON.fileLines(n)), "case \(i)")
        }
    }

    @Test func timestampsAreFoundationsISO8601WithMilliseconds() throws {
        var g = SplitMix(state: 1)
        let edges: [Double] = [0, 0.0005, 0.9999, 951_782_400 /* 2000-02-29 */, 4_107_542_399.999, 253_402_300_799.5, -0.5, -86_400 * 365.25 * 100]
        for t in edges + (0..<20_000).map({ _ in Double.random(in: 0..<253_402_300_800, using: &g) }) {
            let d = Date(timeIntervalSince1970: t)
            try #require(NotificationJSON.timestamp(d) == EncoderNotificationJSON.timestamp(d), "\(t)")
        }
    }
}
