import Foundation
import KlaxonCore

/// Appends notifications as JSON lines (one alert per line) to a file, creating it and its
/// folder when missing; a restart appends to what is there.
///
/// One descriptor stays open (`O_APPEND`); lines are buffered in memory and written with one
/// `write(2)` per flush (or when the buffer passes 64 KiB). `fsync` per `FileConfig.FsyncPolicy`:
/// `each_batch` (default) syncs in `flush()`, which the dispatcher calls before it records a
/// batch as delivered; `each_notification` syncs every delivery; `never` leaves it to the OS.
/// Past `maxSize` bytes the file is rotated: `path` → `path.1` → … → `path.<maxFiles>`, the
/// oldest dropped.
public actor FileSink: FlushingSink {
    public let path: String
    let maxSize: Int
    let maxFiles: Int
    let policy: FileConfig.FsyncPolicy
    private var fd: Int32 = -1
    private var size = 0
    private var buffer = Data()
    private var unsynced = false

    static let bufferLimit = 64 * 1024

    /// - Parameters:
    ///   - maxSize: bytes before rotation; 0 never rotates. Default 100 MiB.
    ///   - maxFiles: rotated files kept. Default 5.
    ///   - fsync: default `each_batch`.
    public init(path: String, maxSize: Int = 100 << 20, maxFiles: Int = 5, fsync: FileConfig.FsyncPolicy = .eachBatch) {
        self.path = path
        self.maxSize = maxSize
        self.maxFiles = max(1, maxFiles)
        self.policy = fsync
    }

    public init(config: FileConfig) {
        self.init(path: config.path, maxSize: config.maxSize, maxFiles: config.maxFiles, fsync: config.fsync)
    }

    deinit { if fd >= 0 { close(fd) } }

    public func deliver(_ notification: AlertNotification) async throws {
        let data = NotificationJSON.fileLines(notification)
        try rotateIfNeeded(adding: data.count)
        buffer.append(data)
        if policy == .eachNotification {
            try flush()
        } else if buffer.count >= Self.bufferLimit {
            try writeBuffer()
        }
    }

    /// Writes the buffer and, unless the policy is `never`, syncs the file.
    public func flush() throws {
        try writeBuffer()
        guard policy != .never, unsynced, fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw DeliveryError("fsync \(path): \(String(cString: strerror(errno)))") }
        unsynced = false
    }

    private func writeBuffer() throws {
        guard !buffer.isEmpty else { return }
        try openIfNeeded()
        let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == buffer.count else {
            let reason = String(cString: strerror(errno))
            // The descriptor may be bad (file removed, disk full): reopen on the next write.
            close(fd)
            fd = -1
            buffer.removeAll(keepingCapacity: true)
            throw DeliveryError("short write to \(path): \(reason)")
        }
        size += written
        unsynced = true
        buffer.removeAll(keepingCapacity: true)
    }

    private func openIfNeeded() throws {
        guard fd < 0 else { return }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw DeliveryError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Rotates before `adding` more bytes would pass `maxSize` (a file never rotates empty).
    private func rotateIfNeeded(adding: Int) throws {
        guard maxSize > 0 else { return }
        try openIfNeeded()
        guard size + buffer.count > 0, size + buffer.count + adding > maxSize else { return }
        try flush()
        close(fd)
        fd = -1
        let fm = FileManager.default
        try? fm.removeItem(atPath: "\(path).\(maxFiles)")
        for i in stride(from: maxFiles - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(i)") {
            try? fm.moveItem(atPath: "\(path).\(i)", toPath: "\(path).\(i + 1)")
        }
        guard rename(path, "\(path).1") == 0 else {
            throw DeliveryError("cannot rotate \(path): \(String(cString: strerror(errno)))")
        }
        try openIfNeeded()
    }
}
