import Foundation
import KlaxonCore
import KlaxonKafka
import KlaxonStore
import Logging
import ServiceLifecycle

/// Reads the state changelog whole (every partition, from the beginning, no consumer group)
/// for what other instances own and this one needs:
/// - grouping gets the alerts (`GroupingEngine.takeChangelogAlerts`): a group lives on the
///   partition of its key, so its alerts can be owned by other instances, and an inhibition's
///   source and its target can be owned by different instances (grouping mutes only with the
///   sources it knows). Grouping's first flush waits until every partition has been read to
///   its end as of the reader's start (`feedReached`);
/// - the noise gate gets the threshold counts: a key counted by `group_by` spans partitions,
///   and each instance decides with every share of it (`NoiseGate.takeRemoteShares`);
/// - the outbox gets the outcomes of notifications it holds for another partition's owner
///   (`Outbox.takeOwnerOutcomes`), while it holds some.
/// Records of partitions the state stage owns are not decoded (one instance decodes nothing once
/// it owns every partition), nor are alerts outside `klaxon run` without inhibit rules, nor
/// counts while no threshold has `group_by`; a reload starts the reading over under the new rules.
struct ChangelogFeed: Service {
    let topic: String
    /// librdkafka properties for the reader (bootstrap, security).
    let readerProperties: [String: String]
    let grouping: GroupingEngine
    let noise: NoiseGate
    let outbox: Outbox
    /// The partitions this instance owns now: their alerts' changes reach grouping directly, so
    /// their records are not decoded (one instance decodes nothing).
    let owned: @Sendable () -> Set<Int32>
    let logger: Logger

    /// Never throws: the feed helps grouping, the noise gate and the outbox, and is no reason
    /// to stop the service. A broker that cannot be read is retried every 5 s (logged once);
    /// each attempt reads from the beginning.
    func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Returns at shutdown, or when a reload changed the rules: read again under them.
                try await read()
                continue
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled || error is CancellationError { return }
                if !warned {
                    logger.warning(
                        "cannot read \(topic) for other instances' inhibition sources, threshold counts and delivery outcomes (trying every 5 s): \(error)")
                }
                warned = true
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) } } catch { return }
        }
    }

    private func read() async throws {
        let generation = await grouping.inhibitionGeneration
        let reader = try KafkaTopicReader(properties: readerProperties, topic: topic, logger: logger)
        do {
            // The state stage creates the topic; until then there is nothing to read.
            var ends: [Int32: Int64] = [:]
            while true {
                ends = try await reader.assignAll(timeout: .seconds(5))
                if !ends.isEmpty { break }
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
            var toReach = ends.filter { $0.value > 0 }
            await grouping.feedReached(Set(ends.keys).subtracting(toReach.keys))
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let batch = try await reader.poll(maxRecords: 5_000, maxWait: .milliseconds(250))
                // New rules may take alerts read before as sources: read from the beginning again.
                if await grouping.inhibitionGeneration != generation { break }
                if !toReach.isEmpty {
                    // Past transaction markers too, which no record shows.
                    let at = reader.positions(of: Array(toReach.keys)).merging(
                        Dictionary(batch.map { ($0.partition, $0.offset + 1) }, uniquingKeysWith: max)) { max($0, $1) }
                    let reached = Set(toReach.filter { (at[$0.key] ?? 0) >= $0.value }.keys)
                    if !reached.isEmpty {
                        toReach = toReach.filter { !reached.contains($0.key) }
                        await grouping.feedReached(reached)
                    }
                }
                guard !batch.isEmpty else { continue }
                let (sources, shares, outcomes) = (await grouping.wantsChangelogAlerts, noise.wantsRemoteShares, outbox.holdsForOwners)
                guard sources || shares || outcomes else { continue }
                var records: [AlertChangelogRecord] = []
                var counts: [ThresholdKeySnapshot] = []
                var delivered: [OutboxChangelogRecord] = []
                let mine = owned()
                // A damaged record is the state stage's to report (its restore counts it).
                for r in batch where !mine.contains(r.partition) {
                    if sources, r.value.first == AlertChangelogCodec.version, let record = try? AlertChangelogCodec.decode(r.value) {
                        records.append(record)
                    } else if shares, r.value.first == ThresholdChangelogCodec.version,
                        let share = try? ThresholdChangelogCodec.decode(r.value, partition: r.partition)
                    {
                        counts.append(share)
                    } else if outcomes, r.value.first == OutboxChangelogCodec.version, let outcome = try? OutboxChangelogCodec.decode(r.value),
                        outcome.outcome == .delivered
                    {
                        delivered.append(outcome)
                    }
                }
                if sources { await grouping.takeChangelogAlerts(records, now: Date()) }
                noise.takeRemoteShares(counts)
                if !delivered.isEmpty {
                    do { try outbox.takeOwnerOutcomes(delivered, at: Date()) } catch {
                        logger.warning("cannot record outcomes another instance reported; its held copies are sent after their wait: \(error)")
                    }
                }
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }
}
