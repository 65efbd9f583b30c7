import Foundation
import Synchronization

/// A settable clock (virtual time): what a test passes where code takes `clock: () -> Date`,
/// then moves by hand.
public final class VirtualClock: Sendable {
    private let value: Mutex<Date>
    public init(_ start: Date) { value = Mutex(start) }
    public var now: Date { value.withLock { $0 } }
    public func set(_ d: Date) { value.withLock { $0 = d } }
}
