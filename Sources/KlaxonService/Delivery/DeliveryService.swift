import Foundation
import KlaxonDelivery
import ServiceLifecycle

/// Runs the outbox dispatcher; on graceful shutdown it makes one last pass so notifications
/// queued by the final batch go out before exit (what fails stays queued for next start).
struct DeliveryService: Service {
    let dispatcher: OutboxDispatcher

    func run() async throws {
        await withGracefulShutdownHandler {
            await dispatcher.run()
        } onGracefulShutdown: {
            dispatcher.finish()
        }
        await dispatcher.drainDue(now: Date())
    }
}
