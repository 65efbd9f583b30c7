/// Klaxon's `file_configs` entry: append each notification as JSON lines (one per alert) to `path`.
public struct FileConfig: Sendable, Hashable {
    /// When the file sink makes its writes durable (`fsync:`).
    public enum FsyncPolicy: String, Sendable, Hashable, CaseIterable {
        /// Once per dispatcher batch, before the batch's deliveries are recorded (default).
        case eachBatch = "each_batch"
        /// After every notification.
        case eachNotification = "each_notification"
        /// Never: the OS writes back when it likes (a crash may lose recent lines).
        case never
    }

    /// File to append JSON lines to.
    public var path: String
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    /// `max_size` in bytes: past it the file is rotated (`path` → `path.1` → …). Default
    /// 100 MiB; 0 never rotates.
    public var maxSize: Int
    /// `max_files`: rotated files kept besides the current one. Default 5.
    public var maxFiles: Int
    /// `fsync`; default `each_batch`.
    public var fsync: FsyncPolicy

    public init(
        path: String, sendResolved: Bool = true, maxSize: Int = 100 << 20, maxFiles: Int = 5, fsync: FsyncPolicy = .eachBatch
    ) {
        self.path = path
        self.sendResolved = sendResolved
        self.maxSize = maxSize
        self.maxFiles = maxFiles
        self.fsync = fsync
    }
}
