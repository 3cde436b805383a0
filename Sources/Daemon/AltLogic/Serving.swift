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
/// The daemon forwards each ``DriverEvent/messageReceived(driver:peer:message:)`` to ``handle(driver:peer:message:)``.
public struct Serving: Sendable {
    let altstack: Altstack
    let bitcoind: BitcoindRPCClient
    let logger: Logger

    /// Blocks served per `getdata` (the rest are answered `notfound`).
    public static let maxBlocksPerGetData = 16

    /// - Parameters:
    ///   - altstack: the drivers the answers go out through.
    ///   - bitcoind: the local bitcoind.
    ///   - chain: the network's rules.
    ///   - logger: where refused transactions and unreadable requests are logged.
    public init(altstack: Altstack, bitcoind: BitcoindRPCClient, chain: ChainParams, logger: Logger) {
        self.altstack = altstack
        self.bitcoind = bitcoind
        self.logger = logger
    }

    /// Answers a message a peer sent through a driver. Never throws: malformed requests and
    /// bitcoind failures are logged and dropped.
    /// - Parameters:
    ///   - driver: the driver's registry name.
    ///   - peer: the peer's driver-scoped id.
    ///   - message: what it sent.
    public func handle(driver: String, peer: String, message: DriverProtocol.P2PMessage) async {
        AltLogicMetrics.served(command: message.command, driver: driver)
        guard let command = try? P2PCommand(message.command), let payload = try? [UInt8](hex: message.payload) else {
            logger.debug("unreadable message from a peer", metadata: ["driver": "\(driver)", "peer": "\(peer)", "command": "\(message.command.prefix(12))"])
            return
        }
        let decoded: BitcoinPrimitives.P2PMessage
        do {
            decoded = try BitcoinPrimitives.P2PMessage.decode(command: command, payload: payload)
        } catch {
            logger.info("malformed \(message.command) from a peer", metadata: ["driver": "\(driver)", "peer": "\(peer)", "error": "\(error)"])
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
                await send(.init(command: "headers", payload: writer.bytes.hex), driver: driver, peer: peer)
            case .getdata(let items):
                try await serveData(items, driver: driver, peer: peer)
            case .tx(let tx):
                await relay(tx, bytes: payload, driver: driver, peer: peer)
            default:
                logger.debug("not served", metadata: ["driver": "\(driver)", "command": "\(message.command)"])
            }
        } catch {
            logger.warning("could not answer a peer from bitcoind", metadata: [
                "driver": "\(driver)", "peer": "\(peer)", "command": "\(message.command)", "error": "\(error)",
            ])
        }
    }

    /// The headers a `getheaders` asks for: after the first locator hash on bitcoind's active
    /// chain (genesis when none is), up to 2,000, ending at the stop hash if it comes first.
    /// - Throws: RPC failures.
    func headers(for request: GetHeadersMessage) async throws -> [BlockHeader] {
        let locator = Array(request.locator.prefix(P2PLimits.maxLocatorHashes))
        var forkHeight = 0
        for status in try await bitcoind.headerStatus(locator) {
            if let status, status.onActiveChain {
                forkHeight = status.height
                break
            }
        }
        let tipHeight = try await bitcoind.getBlockchainInfo().blocks
        guard forkHeight < tipHeight else { return [] }
        let heights = Array((forkHeight + 1)...min(forkHeight + P2PLimits.maxHeaders, tipHeight))
        var hashes = try await bitcoind.activeHashes(atHeights: heights)
        if request.hashStop != .zero, let stop = hashes.firstIndex(of: request.hashStop) {
            hashes.removeSubrange((stop + 1)...)
        }
        return try await bitcoind.headers(hashes)
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
            do {
                let bytes = try await bitcoind.getBlockBytes(BlockHash(item.hash))
                served += 1
                await send(.init(command: "block", payload: bytes.hex), driver: driver, peer: peer)
            } catch {
                missing.append(item)
            }
        }
        guard !missing.isEmpty else { return }
        var writer = ByteWriter()
        Inventory.encodeList(missing, to: &writer)
        await send(.init(command: "notfound", payload: writer.bytes.hex), driver: driver, peer: peer)
    }

    /// Hands a relayed transaction to bitcoind; a refusal is logged with bitcoind's reason.
    private func relay(_ tx: Transaction, bytes: [UInt8], driver: String, peer: String) async {
        do {
            let txid = try await bitcoind.sendRawTransaction(bytes)
            logger.info("relayed a transaction from a peer to bitcoind", metadata: ["txid": "\(txid)", "driver": "\(driver)"])
        } catch {
            logger.warning("bitcoind refused a transaction from a peer", metadata: [
                "txid": "\(tx.txid)", "driver": "\(driver)", "peer": "\(peer)", "reason": "\(error)",
            ])
        }
    }

    private func send(_ message: DriverProtocol.P2PMessage, driver: String, peer: String) async {
        // A driver that does not declare `send` is never sent anything (docs/driver-protocol.md).
        guard let supervisor = altstack.supervisor(named: driver), supervisor.snapshot.capabilities?.send == true else { return }
        do throws(DriverProtocolError) {
            _ = try await supervisor.call(Methods.sendMessage, SendMessageParams(peer: peer, message: message, expect: []))
        } catch {
            logger.info("could not answer a peer", metadata: ["driver": "\(driver)", "peer": "\(peer)", "error": "\(error)"])
        }
    }
}
