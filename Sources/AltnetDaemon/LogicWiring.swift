import Altstack
import BitcoindRPC
import DriverProtocol
import Logging
import ServiceLifecycle
import Watchdog

/// AltLogicValidation and Serving, wired to the daemon: the services to run, the control hooks
/// and the handler for messages peers send through drivers.
struct LogicWiring: Sendable {
    let hooks: LogicHooks
    let services: [ServiceGroupConfiguration.ServiceConfiguration]
    let onMessage: @Sendable (String, String, DriverProtocol.P2PMessage) async -> Void

    init(altstack: Altstack, bitcoind: BitcoindRPCClient, settings: DaemonSettings, board: AnomalyBoard,
         newBlocks: AsyncStream<Void>, logger: Logger) {
        hooks = LogicHooks()
        services = []
        onMessage = { driver, _, message in
            logger.debug("driver \(driver): \(message.command) not served (AltLogic not in this build)")
        }
    }
}
