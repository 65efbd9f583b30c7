import Foundation
import KlaxonKafka
import KlaxonStore
import Logging
import ServiceLifecycle

/// Reads the state changelog whole (every partition, from the beginning, no consumer group)
/// and hands grouping the alerts in it: an inhibition's source and its target can be owned
/// by different instances, and grouping mutes only with the sources it knows. Grouping keeps
/// the few that can inhibit (`GroupingEngine.takeChangelogSources`). Records of partitions this
/// instance owns, and all records while there are no inhibit rules, are not decoded; a reload
/// starts the reading over under the new rules.
struct InhibitionSourceFeed: Service {
    let topic: String
    /// librdkafka properties for the reader (bootstrap, security).
    let readerProperties: [String: String]
    let grouping: GroupingEngine
    /// The partitions this instance owns now: their alerts' changes reach grouping directly, so
    /// their records are not decoded (one instance decodes nothing).
    let owned: @Sendable () -> Set<Int32>
    let logger: Logger

    /// Never throws: the feed is grouping's helper, not a reason to stop the service. A broker
    /// that cannot be read is retried every 5 s (logged once); each attempt reads from the beginning.
    func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Returns at shutdown, or when a reload changed the rules: read again under them.
                try await read()
                continue
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled || error is CancellationError { return }
                if !warned { logger.warning("cannot read \(topic) for inhibition sources (trying every 5 s): \(error)") }
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
            while try await reader.assignAll(timeout: .seconds(5)).isEmpty {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let batch = try await reader.poll(maxRecords: 5_000, maxWait: .milliseconds(250))
                // New rules may take alerts read before as sources: read from the beginning again.
                if await grouping.inhibitionGeneration != generation { break }
                guard !batch.isEmpty, await grouping.wantsInhibitionSources else { continue }
                var records: [AlertChangelogRecord] = []
                let mine = owned()
                for r in batch where r.value.first == AlertChangelogCodec.version && !mine.contains(r.partition) {
                    // A damaged record is the state stage's to report (its restore counts it).
                    if let record = try? AlertChangelogCodec.decode(r.value) { records.append(record) }
                }
                await grouping.takeChangelogSources(records)
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }
}
