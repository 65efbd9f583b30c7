import Foundation
import KlaxonCore
@testable import KlaxonDelivery
@testable import KlaxonStore
import Testing

/// The dispatcher's slot and read-ahead bookkeeping (`LaneSlots`): pure, no I/O.
@Suite struct LaneSlotsTests {
    let lane = "r/webhook[0]"

    func entries(_ ids: ClosedRange<Int64>, lane: String = "r/webhook[0]") -> [OutboxEntry] {
        let (receiver, integration) = (String(lane.split(separator: "/")[0]), String(lane.split(separator: "/")[1]))
        return ids.map { id in
            let n = AlertNotification(
                idempotencyKey: "k\(id)", receiver: receiver, status: .firing, groupKey: "g\(id)", groupLabels: [:], alerts: [])
            return OutboxEntry(
                id: id, idempotencyKey: n.idempotencyKey, receiver: receiver, integration: integration, groupKey: n.groupKey,
                notification: n, status: .pending, attempts: 0, lastError: nil, nextAttemptAt: Date(timeIntervalSince1970: 0),
                createdAt: Date(timeIntervalSince1970: 0), deliveredAt: nil)
        }
    }

    @Test func freeSlotsStartTheOldestAndTheRestWaitInOrder() {
        var slots = LaneSlots()
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 4, "two free slots and two places ahead")
        let e = entries(1...4)
        let started = slots.pick(e, lane: lane, concurrency: 2)
        #expect(started.map(\.id) == [1, 2])
        #expect(slots.excluded(lane) == [1, 2, 3, 4], "waiting entries are picked too: never read twice")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 0, "slots busy and the queue full")

        let third = slots.next(after: e[0])
        #expect(third?.id == 3, "an ended send takes the oldest ready entry")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 1, "half full: read again")
        let fourth = slots.next(after: e[1])
        #expect(fourth?.id == 4)
        let none = slots.next(after: e[2])
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
        let none = slots.next(after: started[0])
        #expect(none == nil)
        #expect(slots.room(lane, concurrency: 3, readyLimit: 0) == 1)
    }

    @Test func stoppingDropsWaitingEntriesButNotSendsInFlight() {
        var slots = LaneSlots()
        let started = slots.pick(entries(1...5), lane: lane, concurrency: 2)
        #expect(slots.held == 5)
        slots.dropReady()
        #expect(slots.held == 2, "the dropped entries weigh nothing")
        #expect(slots.excluded(lane) == [1, 2], "the waiting three stay pending and can be picked again")
        let none = slots.next(after: started[0])
        #expect(none == nil)
        slots.unpick(2, lane: lane)
        #expect(slots.excluded(lane) == [1])
    }

    @Test func pastTheBudgetALaneHoldingEntriesWaitsAndAnEmptyOneTakesOne() {
        var slots = LaneSlots(alertBudget: 3)
        let other = "q/webhook[1]"
        let a = entries(1...4)
        let started = slots.pick(a, lane: lane, concurrency: 2)
        #expect(slots.held == 4, "an entry with no alerts weighs one")
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 0, "budget spent and the lane holds entries")
        #expect(slots.room(other, concurrency: 2, readyLimit: 2) == 1, "a lane with nothing in hand still gets one")
        let b = entries(5...5, lane: other)
        #expect(slots.pick(b, lane: other, concurrency: 2).map(\.id) == [5])
        #expect(slots.room(other, concurrency: 2, readyLimit: 2) == 0)

        // Sends end: their weight is given back; below the budget lanes read ahead again.
        let third = slots.next(after: started[0])
        let fourth = slots.next(after: started[1])
        #expect([third?.id, fourth?.id] == [3, 4])
        #expect(slots.held == 3)
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 0)
        #expect(slots.next(after: a[2]) == nil)
        #expect(slots.next(after: b[0]) == nil)
        #expect(slots.held == 1)
        #expect(slots.room(lane, concurrency: 2, readyLimit: 2) == 3, "one slot busy, one free, two places ahead")
        #expect(slots.room(other, concurrency: 2, readyLimit: 2) == 4)
    }

    @Test func aLaneStuckOnAHangingReceiverCannotTakeTheOthersShare() {
        var slots = LaneSlots(alertBudget: 10)
        let (stuck, other) = ("hang/webhook[0]", "q/webhook[1]")
        _ = slots.pick(entries(1...10, lane: stuck), lane: stuck, concurrency: 8)
        #expect(slots.room(stuck, concurrency: 8, readyLimit: 8) == 0, "past the budget and over its share")
        let b = entries(11...11, lane: other)
        _ = slots.pick(b, lane: other, concurrency: 8)
        #expect(slots.held == 11)
        #expect(slots.room(other, concurrency: 8, readyLimit: 8) == 1, "one entry against a share of 5: one more at a time")
        _ = slots.pick(entries(12...15, lane: other), lane: other, concurrency: 8)
        #expect(slots.room(other, concurrency: 8, readyLimit: 8) == 0, "at its share")
    }
}
