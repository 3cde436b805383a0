import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Logging

/// Answers what peers ask through the drivers from the local bitcoind, so two altnet nodes
/// rescue each other: `getheaders` (locator resolved against bitcoind's active chain, at most
/// 2,000 headers, stop hash honoured), `getdata` for blocks (`block`, or `notfound`), and a
/// `tx` handed to bitcoind with `sendrawtransaction`.
///
/// Costs are bounded (issue 15, ``ServingLimits``): each request takes a token from its peer's
/// and its driver's request buckets (refused, counted in `altnet_serving_refused_total`, when
/// empty); blocks are sent while the peer and driver byte buckets have credit; at most
/// `maxConcurrent` requests are answered at once across all peers; `getheaders` answers come from
/// a header cache that bitcoind's tip invalidates.
///
/// The daemon forwards each ``DriverEvent/messageReceived(driver:peer:message:)`` to
/// ``submit(driver:peer:message:)`` (returns once a slot is taken; answers concurrently);
/// ``handle(driver:peer:message:)`` answers and returns when done.
public struct Serving: Sendable {
    let altstack: Altstack
    let bitcoind: BitcoindRPCClient
    let logger: Logger
    let budget: ServingBudget
    let gate: ServingGate
    let cache: ServingHeaderCache

    /// Blocks served per `getdata` (the rest are answered `notfound`).
    public static let maxBlocksPerGetData = 16

    /// - Parameters:
    ///   - altstack: the drivers the answers go out through.
    ///   - bitcoind: the local bitcoind.
    ///   - chain: the network's rules.
    ///   - logger: where refused transactions and unreadable requests are logged.
    ///   - limits: the serving budget.
    public init(altstack: Altstack, bitcoind: BitcoindRPCClient, chain: ChainParams, logger: Logger,
                limits: ServingLimits = ServingLimits()) {
        self.altstack = altstack
        self.bitcoind = bitcoind
        self.logger = logger
        self.budget = ServingBudget(limits: limits)
        self.gate = ServingGate(width: limits.maxConcurrent)
        self.cache = ServingHeaderCache(bitcoind: bitcoind, maxEntries: limits.headerCacheEntries)
    }

    /// Requests admitted and refused by the budget so far (the metrics count the same).
    public var stats: ServingStats { budget.stats }

    /// Admits a message against the budget, waits for a serving slot, and answers it in a task of
    /// its own: returns once the answer has started (or at once when refused).
    public func submit(driver: String, peer: String, message: DriverP2PMessage) async {
        guard await admit(driver: driver, peer: peer, message: message) else { return }
        await gate.acquire()
        let serving = self
        Task {
            await serving.answer(driver: driver, peer: peer, message: message)
            serving.gate.release()
        }
    }

    /// Takes a request token, waiting in the peer's bounded queue while its bucket refills; a
    /// refusal (queue full, or the task cancelled while waiting) is counted and logged at debug level.
    private func admit(driver: String, peer: String, message: DriverP2PMessage) async -> Bool {
        var decision = budget.decide(driver: driver, peer: peer)
        while case .wait(let delay) = decision {
            let slept: Void? = try? await Task.sleep(for: delay)
            budget.finishedWaiting(driver: driver, peer: peer)
            if slept == nil { return false }
            decision = budget.decide(driver: driver, peer: peer)
        }
        guard case .refused(let refusal) = decision else { return true }
        AltLogicMetrics.refused(refusal, driver: driver)
        logger.debug("request refused by the serving budget", metadata: [
            "driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "command": "\(LogText.escaped(message.command, limit: 12))",
            "reason": "\(refusal.rawValue)",
        ])
        return false
    }

    /// Answers a message a peer sent through a driver. Never throws: malformed requests and
    /// bitcoind failures are logged and dropped.
    /// - Parameters:
    ///   - driver: the driver's registry name.
    ///   - peer: the peer's driver-scoped id.
    ///   - message: what it sent.
    public func handle(driver: String, peer: String, message: DriverP2PMessage) async {
        guard await admit(driver: driver, peer: peer, message: message) else { return }
        await gate.acquire()
        await answer(driver: driver, peer: peer, message: message)
        gate.release()
    }

    private func answer(driver: String, peer: String, message: DriverP2PMessage) async {
        AltLogicMetrics.served(command: message.command, driver: driver)
        guard let command = try? P2PCommand(message.command), let payload = try? message.payloadBytes() else {
            logger.debug("unreadable message from a peer", metadata: ["driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "command": "\(LogText.escaped(message.command, limit: 12))"])
            return
        }
        let decoded: P2PMessage
        do {
            decoded = try P2PMessage.decode(command: command, payload: payload)
        } catch {
            logger.info("malformed \(message.command) from a peer", metadata: ["driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "error": "\(error)"])
            return
        }
        do {
            switch decoded {
            case .getheaders(let request):
                let headers = try await headers(for: request)
                var writer = ByteWriter()
                writer.writeCompactSize(UInt64(headers.count))
                for header in headers {
                    header.write(to: &writer)
                    writer.writeUInt8(0)
                }
                await send(.init(command: "headers", payloadBytes: writer.bytes), driver: driver, peer: peer)
            case .getdata(let items):
                try await serveData(items, driver: driver, peer: peer)
            case .tx(let tx):
                await relay(tx, bytes: payload, driver: driver, peer: peer)
            default:
                logger.debug("not served", metadata: ["driver": "\(driver)", "command": "\(LogText.escaped(message.command, limit: 12))"])
            }
        } catch {
            logger.warning("could not answer a peer from bitcoind", metadata: [
                "driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "command": "\(LogText.escaped(message.command, limit: 12))", "error": "\(error)",
            ])
        }
    }

    /// The headers a `getheaders` asks for, through the header cache.
    /// - Throws: RPC failures.
    func headers(for request: GetHeadersMessage) async throws -> [BlockHeader] {
        try await cache.headers(for: request)
    }

    /// Sends each block asked for (witness or not: bitcoind's serialization carries witnesses),
    /// and one `notfound` for the rest.
    private func serveData(_ items: [Inventory], driver: String, peer: String) async throws {
        var missing: [Inventory] = []
        var served = 0
        for item in items {
            guard item.type.base == .block, served < Self.maxBlocksPerGetData else {
                missing.append(item)
                continue
            }
            if let refusal = budget.byteCredit(driver: driver, peer: peer) {
                AltLogicMetrics.refused(refusal, driver: driver)
                missing.append(item)
                continue
            }
            do {
                let bytes = try await bitcoind.getBlockBytes(BlockHash(item.hash))
                budget.spend(bytes: bytes.count, driver: driver, peer: peer)
                served += 1
                await send(.init(command: "block", payloadBytes: bytes), driver: driver, peer: peer)
            } catch {
                missing.append(item)
            }
        }
        guard !missing.isEmpty else { return }
        var writer = ByteWriter()
        Inventory.encodeList(missing, to: &writer)
        await send(.init(command: "notfound", payloadBytes: writer.bytes), driver: driver, peer: peer)
    }

    /// Hands a relayed transaction to bitcoind; a refusal is logged with bitcoind's reason.
    private func relay(_ tx: Transaction, bytes: [UInt8], driver: String, peer: String) async {
        do {
            let txid = try await bitcoind.sendRawTransaction(bytes)
            logger.info("relayed a transaction from a peer to bitcoind", metadata: ["txid": "\(txid)", "driver": "\(driver)"])
        } catch {
            logger.warning("bitcoind refused a transaction from a peer", metadata: [
                "txid": "\(tx.txid)", "driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "reason": "\(error)",
            ])
        }
    }

    private func send(_ message: DriverP2PMessage, driver: String, peer: String) async {
        // A driver that does not declare `send` is never sent anything (docs/driver-protocol.md).
        guard let supervisor = altstack.supervisor(named: driver), supervisor.snapshot.capabilities?.send == true else { return }
        do throws(DriverProtocolError) {
            _ = try await supervisor.call(Methods.sendMessage, SendMessageParams(peer: peer, message: message, expect: []))
        } catch {
            logger.info("could not answer a peer", metadata: ["driver": "\(driver)", "peer": "\(LogText.escaped(peer, limit: 80))", "error": "\(error)"])
        }
    }
}
