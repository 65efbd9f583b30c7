import Foundation
import KlaxonCore

/// An acknowledgement or resolve made through an instance that does not own the alert (issue
/// #14, docs/scaling.md): produced to `klaxon.alerts` on the alert's partition, so it is ordered
/// with the reports of that alert and applied by its owner, as if made there.
///
/// On the topic it is JSON (a report record is binary and starts with its version byte, 0x01;
/// a command starts with `{`), small and rare, so `kcat` shows it as it is.
public struct AlertCommand: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Codable {
        /// `notified`: the instance that owns the alert's group notified it firing (issue #14,
        /// step 4); its owner records the first notification (time to notify, MTTA's start,
        /// the SLA clock and escalation). `actor` names the receiver, `target` the integration.
        case acknowledge, resolve, notified

        /// The lifecycle change; nil when the alert is not in a state it applies to (always for
        /// `notified`, which changes no status).
        public func apply(_ state: AlertState, at: Date) -> AlertState? {
            switch self {
            case .acknowledge: AlertLifecycle.acknowledge(state, at: at)
            case .resolve: AlertLifecycle.resolve(state, at: at)
            case .notified: nil
            }
        }

        /// The audit and history name (`alert.ack`, `alert.resolve`, `alert.notified`).
        public var auditName: String {
            switch self {
            case .acknowledge: "alert.ack"
            case .resolve: "alert.resolve"
            case .notified: "alert.notified"
            }
        }
    }

    /// Names the command in logs on both instances.
    public var id: String
    public var action: Action
    public var fingerprint: Fingerprint
    /// Who asked (the history entry's actor on the owner).
    public var actor: String
    /// When it was asked: the acknowledgement or resolve time, so MTTA and MTTR do not depend
    /// on how long the command took to reach the owner.
    public var issuedAt: Date
    /// `notified`: the receiver and integration notified (`receiver/integration`); `id` is
    /// then the notification's key.
    public var target: String?
    /// `notified`: the start of the alert instance notified (as its group saw it).
    public var instanceStart: Date?

    public init(
        id: String = UUID().uuidString.lowercased(), action: Action, fingerprint: Fingerprint, actor: String, issuedAt: Date,
        target: String? = nil, instanceStart: Date? = nil
    ) {
        self.id = id
        self.action = action
        self.fingerprint = fingerprint
        self.actor = actor
        self.issuedAt = issuedAt
        self.target = target
        self.instanceStart = instanceStart
    }

    /// Whether a `klaxon.alerts` record holds a command rather than a report's share.
    public static func isCommand(_ value: Data) -> Bool { value.first == UInt8(ascii: "{") }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        // Only strings, an enum and a date: encoding cannot fail.
        return try! encoder.encode(Wire(self))
    }

    public static func decode(_ data: Data) throws -> AlertCommand {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        let wire: Wire
        do {
            wire = try decoder.decode(Wire.self, from: data)
        } catch {
            throw CommandError("klaxon.alerts command is not readable: \(error)")
        }
        guard wire.command == 1 else { throw CommandError("klaxon.alerts command has unknown version \(wire.command)") }
        guard let fp = Fingerprint(hex: wire.fingerprint) else {
            throw CommandError("klaxon.alerts command names no fingerprint (\(wire.fingerprint.prefix(32)))")
        }
        return AlertCommand(id: wire.id, action: wire.action, fingerprint: fp, actor: wire.actor, issuedAt: wire.issuedAt, target: wire.target,
            instanceStart: wire.instanceStart)
    }

    /// The JSON form: `command` is the version, so a reader tells a command from a report and
    /// a later form from this one.
    private struct Wire: Codable {
        var command: Int
        var id: String
        var action: Action
        var fingerprint: String
        var actor: String
        var issuedAt: Date
        var target: String?
        var instanceStart: Date?

        init(_ c: AlertCommand) {
            (command, id, action, fingerprint, actor, issuedAt) = (1, c.id, c.action, c.fingerprint.description, c.actor, c.issuedAt)
            target = c.target
            instanceStart = c.instanceStart
        }
    }

    struct CommandError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
