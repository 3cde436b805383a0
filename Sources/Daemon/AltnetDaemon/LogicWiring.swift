import AltLogic
import AltnetControl
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
    let onMessage: @Sendable (String, String, DriverP2PMessage) async -> Void

    /// - Parameter feedTick: yields when a broadcast feed pushed something new, so the
    ///   cross-check reads it now rather than at its next period.
    init(altstack: Altstack, bitcoind: BitcoindRPCClient, settings: DaemonSettings, board: AnomalyBoard,
         anomalies: AsyncStream<AnomalyChange>, newBlocks: AsyncStream<Void>, feedTick: AsyncStream<Void>.Continuation,
         logger: Logger) {
        var config = AltLogicConfig()
        config.crossCheckInterval = .milliseconds(Int64(settings.crossCheckSeconds * 1000))
        config.quorum = settings.quorum
        config.peersPerDriver = settings.peersPerDriver
        config.minimumChainWork = settings.minimumChainWork
        config.maxForkDepth = settings.maxForkDepth
        let feeds = FeedInbox()
        let logic = AltLogicValidation(altstack: altstack, bitcoind: bitcoind, chain: settings.chain, config: config,
                                       feeds: feeds, logger: logger.with(label: "altlogic"))
        let serving = Serving(altstack: altstack, bitcoind: bitcoind, chain: settings.chain, logger: logger.with(label: "serving"),
                              limits: settings.serving)
        hooks = LogicHooks(
            altChainTips: { try ControlRPC.json(await logic.altChainTips()) },
            fetchHeaders: { try ControlRPC.json(await logic.rescue(trigger: "fetchheaders")) },
            rescues: { try ControlRPC.json(await logic.recentReports()) },
            outcomes: {
                var outcomes: [UInt64: String] = [:]
                for report in await logic.recentReports() {
                    if let id = report.anomalyID { outcomes[id] = report.outcome.name }
                }
                return outcomes
            },
            pauseReason: { await logic.pauseReason() },
            running: { await logic.runningRescue() },
            feedHeaders: { feeds.counts() })
        services = [.init(service: LogicService(logic: logic, anomalies: anomalies, newBlocks: newBlocks, board: board),
                          serviceName: "altlogic")]
        // A feed's pushes go to its window; the rest returns once the answer has a slot (at most
        // [serving] maxconcurrent at once) or is refused.
        let intake = FeedIntake(altstack: altstack, inbox: feeds, tick: feedTick)
        onMessage = { driver, peer, message in
            if intake.take(driver: driver, peer: peer, message: message) { return }
            await serving.submit(driver: driver, peer: peer, message: message)
        }
    }
}

/// AltLogicValidation's loop as a service.
struct LogicService: Service {
    let logic: AltLogicValidation
    let anomalies: AsyncStream<AnomalyChange>
    let newBlocks: AsyncStream<Void>
    let board: AnomalyBoard

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await logic.run(anomalies: anomalies, newBlocks: newBlocks, board: board)
        }
        // Finish only in shutdown order (ServiceGroup treats anything else as a failure).
        try? await gracefulShutdown()
    }
}
