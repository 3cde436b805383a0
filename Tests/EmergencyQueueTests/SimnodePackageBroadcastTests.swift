import BitcoinPrimitives
import BitcoindRPC
import EmergencyQueue
import Logging
import Synchronization
import Testing
import TestSupport

/// A package through ``BitcoindEmergencyTransports``: `submitpackage` to bitcoind (simnode),
/// the members one after the other, parent first, over the drivers.
@Suite struct SimnodePackageBroadcastTests {
    @Test func packageGoesToBitcoindWithSubmitpackageAndToDriversParentFirst() async throws {
        try await InProcessSimnode.with { node in
            var logger = Logger(label: "emergency-package-test")
            logger.logLevel = .warning
            let relayed = Mutex<[[UInt8]]>([])
            let transports = BitcoindEmergencyTransports(rpc: node.rpc, drivers: { raw in
                relayed.withLock { $0.append(raw) }
                return [TransportResult(transport: "bip324", accepted: true, detail: "sent to 1 peer")]
            }, logger: logger)
            let parent = Fixtures.transaction(seed: 60)
            let child = QueueRulesTests.child(of: parent, seed: 6)
            let results = await transports.broadcast(package: [parent.serialized(), child.serialized()])
            #expect(results.map(\.transport) == ["bitcoind", "bip324"])
            let local = try #require(results.first)
            #expect(local.local && local.accepted && local.detail.hasPrefix("package of 2"), "\(local)")
            #expect(results.last?.accepted == true && results.last?.local == false)
            #expect(relayed.withLock { $0 } == [parent.serialized(), child.serialized()])
            #expect(try await node.rpc.getRawMempool() == [parent.txid.hash, child.txid.hash])
        }
    }
}
