import Foundation

/// A named list of windows (`time_intervals: - name: offhours`); it contains an instant when
/// any of its windows does. An empty list contains nothing.
public struct NamedTimeInterval: Sendable, Hashable {
    public var name: String
    public var windows: [TimeWindow]

    public init(name: String, windows: [TimeWindow]) {
        self.name = name
        self.windows = windows
    }

    public func contains(_ date: Date) -> Bool {
        windows.contains { $0.contains(date) }
    }
}
