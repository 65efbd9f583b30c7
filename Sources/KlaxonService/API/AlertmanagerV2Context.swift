import Foundation
import KlaxonCore

/// What the Alertmanager API v2 needs beyond the v1 API's dependencies. Without it (a router
/// built for documentation tests) the reads still answer and `POST /api/v2/alerts` answers 503.
struct AlertmanagerV2Context: Sendable {
    /// Where pushed alerts go.
    let push: AlertPushProducer
    /// `alertmanager_api:`.
    let config: AlertmanagerAPIConfig
    /// The Kafka consumer group: Klaxon's cluster (`GET /api/v2/status`).
    let groupID: String
    /// `bootstrap.servers`, shown as the cluster's address.
    let bootstrap: String
    /// When the service started (`uptime`).
    let startedAt: Date
}
