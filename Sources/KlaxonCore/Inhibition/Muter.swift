import Foundation

/// Something that can mute an alert at a moment: silences and inhibition both are muters,
/// consulted before a group's notification is sent.
public protocol Muter: Sendable {
    /// Whether an alert with these labels is muted at `now`.
    func mutes(_ labels: [String: String], at now: Date) -> Bool
}
