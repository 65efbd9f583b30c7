import Foundation
import KlaxonCore
@testable import KlaxonDelivery
@testable import KlaxonStore
import Testing

/// The dispatcher's slot and read-ahead bookkeeping (`LaneSlots`): pure, no I/O.
@Suite struct LaneSlotsTests {
    let lane = "r/webhook[0]"

    func entries(_ ids: ClosedRange<Int64>) -> [OutboxEntry] {
        ids.map { id in
            let n = AlertNotification(
                idempotencyKey: "k\(id)", receiver: "r", status: .firing, groupKey: "g\(id)", groupLabels: [:], alerts: [])
            return OutboxEntry(
                id: id, idempotencyKey: n.idempotencyKey, receiver: "r", integration: "webhook[0]", groupKey: n.groupKey,
                notification: n, status: .pending, attempts: 0, lastError: nil, nextAttemptAt: Date(timeIntervalSince1970: 0),
                createdAt: Date(timeIntervalSince1970: 0), deliveredAt: nil)
        }
    }

    @Test func freeSlotsStartTheOldestAndTheRestWaitInOrder() {
        var slots = LaneSlots()
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 4, "two free slots and two places ahead")
        let started = slots.pick(entries(1...4), lane: lane, concurrency: 2)
        #expect(started.map(\.id) == [1, 2])
        #expect(slots.excluded(lane) == [1, 2, 3, 4], "waiting entries are picked too: never read twice")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 0, "slots busy and the queue full")

        let third = slots.next(lane)
        #expect(third?.id == 3, "an ended send takes the oldest ready entry")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 1, "half full: read again")
        let fourth = slots.next(lane)
        #expect(fourth?.id == 4)
        let none = slots.next(lane)
        #expect(none == nil, "nothing ready: the slot is freed")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 3)
        #expect(slots.excluded(lane) == [1, 2, 3, 4], "still excluded until their outcomes are written")

        slots.written([(lane: lane, id: 1), (lane: lane, id: 3)])
        #expect(slots.excluded(lane) == [2, 4])
        #expect(slots.excluded("other/webhook[0]").isEmpty, "lanes are separate")
    }

    @Test func withoutReadAheadOnlyFreeSlotsAreFilled() {
        var slots = LaneSlots()
        #expect(slots.room(lane, concurrency: 3, readyLimit: 0) == 3)
        let started = slots.pick(entries(1...3), lane: lane, concurrency: 3)
        #expect(started.count == 3)
        #expect(slots.room(lane, concurrency: 3, readyLimit: 0) == 0)
        let none = slots.next(lane)
        #expect(none == nil)
        #expect(slots.room(lane, concurrency: 3, readyLimit: 0) == 1)
    }

    @Test func stoppingDropsWaitingEntriesButNotSendsInFlight() {
        var slots = LaneSlots()
        _ = slots.pick(entries(1...5), lane: lane, concurrency: 2)
        slots.dropReady()
        #expect(slots.excluded(lane) == [1, 2], "the waiting three stay pending and can be picked again")
        let none = slots.next(lane)
        #expect(none == nil)
        slots.unpick(2, lane: lane)
        #expect(slots.excluded(lane) == [1])
    }
}
