import Foundation
import GRDB

/// Where each group's Slack message lives (`slack_message`, owned by this type): the channel
/// ID and `ts` that `chat.postMessage` returned, so a later resolve can `chat.update` it.
public final class SlackThreadStore: Sendable {
    /// A posted message: the channel ID Slack answered with and the message timestamp.
    public struct Message: Sendable, Hashable {
        public var channelID: String
        public var ts: String
        public init(channelID: String, ts: String) {
            self.channelID = channelID
            self.ts = ts
        }
    }

    private let database: StateDatabase

    public init(database: StateDatabase) { self.database = database }

    /// The last message posted for this receiver, group and configured channel, if any.
    public func message(receiver: String, groupKey: String, channel: String) throws -> Message? {
        try database.pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT channel_id, ts FROM slack_message WHERE receiver = ? AND group_key = ? AND channel = ?",
                arguments: [receiver, groupKey, channel]
            ).map { Message(channelID: $0["channel_id"], ts: $0["ts"]) }
        }
    }

    /// Records (or replaces) the message a group was posted as.
    public func save(_ m: Message, receiver: String, groupKey: String, channel: String, at now: Date) throws {
        try database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO slack_message (receiver, group_key, channel, channel_id, ts, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (receiver, group_key, channel) DO UPDATE SET channel_id = excluded.channel_id, ts = excluded.ts,
                        updated_at = excluded.updated_at
                    """,
                arguments: [receiver, groupKey, channel, m.channelID, m.ts, now.timeIntervalSince1970])
        }
    }
}
