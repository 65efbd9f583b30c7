import Foundation
import KlaxonTesting

/// The stream a chaos run produces: distinct runtime events, copies of some of them and
/// malformed messages, in one seeded shuffle.
struct ChaosInputs {
    /// Every message, in the order it is produced.
    let messages: [Data]
    /// The `container` label of every distinct event: each must reach each answering receiver.
    let containers: Set<String>
    /// The malformed messages' bytes: what the dead-letter topic may hold.
    let malformed: Set<Data>
    let malformedCount: Int

    init(_ plan: ChaosPlan) {
        var rng = SplitMix64(seed: plan.seed)
        var messages = (0..<plan.events).map(Self.event)
        for _ in 0..<plan.duplicates { messages.append(Self.event(rng.below(plan.events))) }
        let bad = (0..<plan.malformed).map { Self.malformed($0, &rng) }
        messages += bad
        messages.shuffle(using: &rng)
        self.messages = messages
        containers = Set((0..<plan.events).map(Self.container))
        malformed = Set(bad)
        malformedCount = bad.count
    }

    static func container(_ i: Int) -> String { String(format: "%012x", i) }

    /// A Falco event whose container makes it a distinct alert; rule and host make ~200 groups.
    static func event(_ i: Int) -> Data {
        let rules = ["Terminal shell in container", "Write below etc", "Read sensitive file untrusted", "Unexpected outbound connection"]
        let rule = rules[i % rules.count]
        let id = container(i)
        return Data("""
            {"hostname":"node-\(i % 50)","output":"Warning \(rule) (container_id=\(id))","priority":"Warning","rule":"\(rule)","source":"syscall","time":"2026-12-01T10:20:30.000000000Z","output_fields":{"container.id":"\(id)","k8s.ns.name":"ns-\(i % 7)","proc.name":"sh","user.name":"root"}}
            """.utf8)
    }

    /// The `i`-th malformed message, one of five kinds: cut-off JSON, JSON of no known shape,
    /// binary noise, an empty value, a scanner report with fields of the wrong type.
    static func malformed(_ i: Int, _ rng: inout SplitMix64) -> Data {
        switch i % 5 {
        case 0: return Data(event(i).prefix(40 + i % 50))
        case 1: return Data("{\"unknown\":true,\"n\":\(i)}".utf8)
        case 2: return Data((0..<(16 + rng.below(64))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) + Data([0xFF, UInt8(i & 0xFF), UInt8((i >> 8) & 0xFF)])
        case 3: return Data()
        default: return Data("{\"SchemaVersion\":2,\"ArtifactName\":\(i),\"Results\":\"none\"}".utf8)
        }
    }
}
