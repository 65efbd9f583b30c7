import Foundation
import KlaxonCore

/// Appends notifications as JSON lines (one alert per line) to a file, creating it and its
/// folder when missing. Each notification is one `write(2)` on an `O_APPEND` descriptor, so
/// lines from concurrent writers never interleave; the file is fsynced before success.
public actor FileSink: AlertSink {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let data: Data
        do { data = try NotificationJSON.fileLines(notification) } catch {
            throw DeliveryError("cannot encode notification: \(error)", isRetriable: false)
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o640)
        guard fd >= 0 else { throw DeliveryError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw DeliveryError("short write to \(path): \(String(cString: strerror(errno)))") }
        guard fsync(fd) == 0 else { throw DeliveryError("fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
