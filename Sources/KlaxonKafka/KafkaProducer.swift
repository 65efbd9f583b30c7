import CRdKafka
import Foundation
import Logging
import Synchronization

/// A producer whose `send` returns only when the broker acknowledged the message (or failed).
///
/// Defaults: `enable.idempotence=true` (no duplicates or reordering on internal retries) and
/// `acks=all`; both can be overridden by properties. A background thread serves librdkafka's
/// delivery callbacks with `rd_kafka_poll`. `flush` and `close` wait on a serial dispatch queue
/// of the producer's own, never on the Swift concurrency pool (whose few threads would
/// otherwise sit in `rd_kafka_flush` for up to its timeout).
public final class KafkaProducer: Sendable {
    let handle: RDKafkaHandle  // internal: KafkaTransactionalProducer drives transactions through it
    private let running = RunFlag()
    private let pollerExited = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "klaxon.kafka.producer.lifecycle")
    private let gate = SendGate()
    private let logger: Logger

    public init(properties: [String: String], logger: Logger) throws(KafkaError) {
        var props = properties
        props["enable.idempotence"] = props["enable.idempotence"] ?? "true"
        props["acks"] = props["acks"] ?? "all"
        let handle = try RDKafkaHandle.make(.producer, properties: props) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, msg, _ in
                guard let msg, let opaque = msg.pointee._private else { return }
                let pending = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
                let m = msg.pointee
                if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                    pending.resume(.success(KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
                } else if m.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT {
                    pending.resume(.failure(rdKafkaError(m.err, "delivery: the producer was closed before the broker acknowledged")))
                } else {
                    pending.resume(.failure(rdKafkaError(m.err, "delivery")))
                }
            }
        }
        self.handle = handle
        self.logger = logger
        let thread = Thread { [handle, running, pollerExited] in
            while running.isSet {
                handle.withHandle { _ = rd_kafka_poll($0, 100) }
            }
            pollerExited.signal()
        }
        thread.name = "klaxon.kafka.producer"
        thread.start()
    }

    /// No synchronous close here: nothing can still be queued (every `send` holds the producer
    /// until its report), so it is enough to stop the poll thread without waiting for it, and
    /// to let `rd_kafka_destroy`, which joins librdkafka's threads, run on the producer's queue
    /// rather than on whatever thread (possibly the Swift pool's) dropped the last reference.
    deinit {
        running.clear()
        queue.async { [handle] in withExtendedLifetime(handle) {} }
    }

    /// Sends one message and waits for the broker's acknowledgement.
    /// - Parameter partition: nil lets the partitioner choose (by key hash when a key is given).
    /// - Throws: `KafkaError` with code `KafkaError.Code.closed` once `close` has begun; a
    ///   message queued before that fails with `_PURGE_QUEUE` if `close` gives up on it.
    @discardableResult
    public func send(
        topic: String, key: Data? = nil, value: Data, headers: [KafkaHeader] = [], partition: Int32? = nil
    ) async throws -> KafkaDeliveryReport {
        try await send(topic: topic, key: key, value: value, headers: headers, partition: partition, onEnqueued: {})
    }

    func send(
        topic: String, key: Data?, value: Data, headers: [KafkaHeader], partition: Int32? = nil,
        onEnqueued: @Sendable () -> Void
    ) async throws -> KafkaDeliveryReport {
        guard gate.enter() else {
            onEnqueued()
            throw KafkaError.closed()
        }
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<KafkaDeliveryReport, any Error>) in
            let pending = PendingDelivery(cont)
            let opaque = Unmanaged.passRetained(pending).toOpaque()
            let error = enqueue(topic: topic, key: key, value: value, headers: headers, partition: partition, opaque: opaque)
            gate.leave()
            onEnqueued()
            if let error {
                Unmanaged<PendingDelivery>.fromOpaque(opaque).release()
                cont.resume(throwing: error)
            }
        }
    }

    /// Messages handed to librdkafka and not yet acknowledged or failed, plus reports not yet
    /// served (librdkafka's `rd_kafka_outq_len`); 0 when idle.
    public var queuedMessages: Int { Int(handle.withHandle { rd_kafka_outq_len($0) }) }

    /// Waits until every queued message is delivered or `timeout` (default 10 s) passes. The
    /// wait runs on the producer's queue, not the Swift pool.
    /// - Throws: `KafkaError` `_TIMED_OUT` (retriable) when messages were still queued.
    public func flush(timeout: Duration = .seconds(10)) async throws {
        let ms = Int32(clamping: timeout.milliseconds)
        let rc: rd_kafka_resp_err_t = await onQueue { self.handle.withHandle { rd_kafka_flush($0, ms) } }
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw rdKafkaError(rc, "flush") }
    }

    /// Refuses new sends at once, waits up to `timeout` (default 10 s) for queued messages,
    /// fails those still queued (their `send` throws `_PURGE_QUEUE`/`_PURGE_INFLIGHT`), then
    /// stops the poll thread. The waiting runs on the producer's queue, not the Swift pool.
    /// Idempotent: a second call returns when the first one's work is done.
    public func close(timeout: Duration = .seconds(10)) async {
        gate.close()
        await onQueue { self.closeOnQueue(timeout: timeout) }
    }

    /// `close` for a caller already on a dispatch queue of its own (KafkaTransactionalProducer,
    /// which must order it after its own calls): blocks the calling thread, so never call it
    /// from the Swift pool.
    func closeBlocking(timeout: Duration) {
        gate.close()
        queue.sync { closeOnQueue(timeout: timeout) }
    }

    private func closeOnQueue(timeout: Duration) {
        guard running.isSet else { return }  // an earlier close did it
        gate.waitForEnqueues()
        handle.withHandle { rk in
            _ = rd_kafka_flush(rk, Int32(clamping: timeout.milliseconds))
            // What the broker did not take in time fails now instead of never: a `send` still
            // awaiting its report gets a clear error.
            _ = rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            // Serves the purged messages' reports (the poll thread may serve them too).
            _ = rd_kafka_flush(rk, 1000)
        }
        running.clear()
        // Wait for the poll thread to let go of the handle, so the handle ends with this
        // object (and before a broker it talks to, in tests and the demo).
        _ = pollerExited.wait(timeout: .now() + 1)
    }

    /// Runs `work` on the producer's queue and resumes the caller with its result.
    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in queue.async { cont.resume(returning: work()) } }
    }

    /// Queues the message; retries briefly while librdkafka's local queue is full.
    private func enqueue(
        topic: String, key: Data?, value: Data, headers: [KafkaHeader], partition: Int32?, opaque: UnsafeMutableRawPointer
    ) -> KafkaError? {
        for attempt in 0..<100 {
            let rc = produce(topic: topic, key: key, value: value, headers: headers, partition: partition, opaque: opaque)
            if rc == RD_KAFKA_RESP_ERR_NO_ERROR { return nil }
            if rc != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt == 99 { return rdKafkaError(rc, "produce to \(topic)") }
            handle.withHandle { _ = rd_kafka_poll($0, 10) }
        }
        return nil
    }

    private func produce(
        topic: String, key: Data?, value: Data, headers: [KafkaHeader], partition: Int32?, opaque: UnsafeMutableRawPointer
    ) -> rd_kafka_resp_err_t {
        // Every pointer handed to rd_kafka_produceva must live until it returns; with
        // RD_KAFKA_MSG_F_COPY librdkafka copies value, key and headers before returning.
        var cStrings: [UnsafeMutablePointer<CChar>] = []
        var buffers: [UnsafeMutableRawPointer] = []
        defer {
            cStrings.forEach { free($0) }
            buffers.forEach { $0.deallocate() }
        }
        func copy(_ data: Data) -> (UnsafeMutableRawPointer, Int) {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
            data.copyBytes(to: p.assumingMemoryBound(to: UInt8.self), count: data.count)
            buffers.append(p)
            return (p, data.count)
        }
        var vus: [rd_kafka_vu_t] = []
        func vu(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
            var v = rd_kafka_vu_t()
            v.vtype = type
            fill(&v)
            vus.append(v)
        }
        let topicC = strdup(topic)!
        cStrings.append(topicC)
        vu(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = UnsafePointer(topicC) }
        let (vp, vn) = copy(value)
        vu(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = vp; $0.u.mem.size = vn }
        if let key {
            let (kp, kn) = copy(key)
            vu(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = kp; $0.u.mem.size = kn }
        }
        if let partition { vu(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
        for h in headers {
            let nameC = strdup(h.name)!
            cStrings.append(nameC)
            if let value = h.value {
                let (hp, hn) = copy(value)
                vu(RD_KAFKA_VTYPE_HEADER) { $0.u.header.name = UnsafePointer(nameC); $0.u.header.val = UnsafeRawPointer(hp); $0.u.header.size = hn }
            } else {
                vu(RD_KAFKA_VTYPE_HEADER) { $0.u.header.name = UnsafePointer(nameC); $0.u.header.val = nil; $0.u.header.size = 0 }
            }
        }
        vu(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
        vu(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
        return handle.withHandle { rk in
            let count = vus.count
            let error = vus.withUnsafeBufferPointer { rd_kafka_produceva(rk, $0.baseAddress, count) }
            guard let error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
            defer { rd_kafka_error_destroy(error) }
            return rd_kafka_error_code(error)
        }
    }
}

/// One awaited delivery; resumed exactly once by the delivery-report callback.
private final class PendingDelivery: Sendable {
    private let continuation: CheckedContinuation<KafkaDeliveryReport, any Error>
    init(_ c: CheckedContinuation<KafkaDeliveryReport, any Error>) { continuation = c }
    func resume(_ result: Result<KafkaDeliveryReport, KafkaError>) { continuation.resume(with: result.mapError { $0 }) }
}

/// Admits sends until `close`, and lets `close` wait for the sends already admitted to finish
/// enqueueing: a message is either queued before `close` flushes, or refused.
private final class SendGate: Sendable {
    private let closed = Mutex(false)
    private let enqueueing = DispatchGroup()  // DispatchGroup is thread-safe

    /// False once closed; otherwise the caller must `leave()` after enqueueing.
    func enter() -> Bool {
        closed.withLock { closed in
            guard !closed else { return false }
            enqueueing.enter()
            return true
        }
    }

    func leave() { enqueueing.leave() }
    func close() { closed.withLock { $0 = true } }
    /// Blocks until every admitted send has enqueued (at most about 1 s, see `enqueue`).
    func waitForEnqueues() { enqueueing.wait() }
}

/// A flag shared with the poll thread (a class, because `Mutex` cannot be captured).
private final class RunFlag: Sendable {
    private let value = Mutex(true)
    var isSet: Bool { value.withLock { $0 } }
    func clear() { value.withLock { $0 = false } }
}

/// A message for `KafkaProducer.sendAll`.
public struct KafkaMessage: Sendable {
    public var key: Data?
    public var value: Data
    public var headers: [KafkaHeader]
    /// Nil lets the partitioner choose (by key hash when a key is given).
    public var partition: Int32?

    public init(key: Data? = nil, value: Data, headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }
}

extension KafkaProducer {
    /// Queues all messages in order (so same-key messages keep their order) and waits for every
    /// acknowledgement. Reports come back in input order; the first failure is thrown.
    public func sendAll(topic: String, _ messages: [KafkaMessage]) async throws -> [KafkaDeliveryReport] {
        try await withThrowingTaskGroup(of: (Int, KafkaDeliveryReport).self) { group in
            for (i, m) in messages.enumerated() {
                // Enqueue happens synchronously inside `send` before its first suspension, so
                // starting each child only after the previous one has enqueued keeps the order.
                let enqueued = AsyncStream<Void>.makeStream()
                group.addTask {
                    async let report = self.send(
                        topic: topic, key: m.key, value: m.value, headers: m.headers, partition: m.partition,
                        onEnqueued: { enqueued.continuation.finish() })
                    return (i, try await report)
                }
                for await _ in enqueued.stream {}
            }
            var reports = [KafkaDeliveryReport?](repeating: nil, count: messages.count)
            for try await (i, r) in group { reports[i] = r }
            return reports.map { $0! }
        }
    }
}
