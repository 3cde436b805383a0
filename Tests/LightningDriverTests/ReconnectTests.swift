import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The dialling driver keeps its link: the remote driver is killed (SIGKILL), stays down long
/// enough for the backoff to reach its cap, is restarted on the same port with the same node key,
/// and the link comes back and carries messages. Each driver runs under its own Altstack, so the
/// remote one can be down as long as the test wants.
@Suite("Lightning driver: reconnection")
struct ReconnectTests {
    @Test("kill the remote driver, restart it on the same port: the link comes back, backoff capped and logged")
    func reconnect() async throws {
        let pair = try LinkedDrivers(listener: "lnb", extraA: ["reconnect_max_ms": .int(1000)])
        let (core, idA, idB, configA, configB) = (pair.core, pair.idA, pair.idB, pair.configA, pair.configB)
        let logA = LogRecorder()
        var loggerA = Logger(label: "core-a") { _ in RecordingLogHandler(logA) }
        loggerA.logLevel = .info

        try await withAltstack([configA], coreHandler: core.handle, logger: loggerA) { stackA in
            let disconnects = LogRecorder()
            let eventsA = Task {
                for await event in stackA.events {
                    if case .peerDisconnected(_, let peer, let reason) = event { disconnects.add("\(peer): \(reason ?? "")") }
                }
            }
            defer { eventsA.cancel() }
            #expect(await stackA.waitUntilReady(count: 1, timeout: .seconds(20)))

            // First life of B: the link comes up; B reports its node id and bound address.
            let (pidB, linesBeforeKill) = try await withAltstack([configB], coreHandler: core.handle) { stackB in
                #expect(await stackB.waitUntilReady(count: 1, timeout: .seconds(20)))
                let up = await eventually(timeout: .seconds(20)) { stackA.snapshot().first?.peers.map(\.id) == [idB] }
                try #require(up, "lna did not connect to lnb: \(logA.all.suffix(10))")
                let info = try await stackB.supervisor(named: "lnb")!.call("lightning.getinfo", EmptyObject())
                    .result(as: GetInfo.self)
                #expect(info.nodeid == idB)
                #expect(info.listen == "127.0.0.1:\(pair.port)")
                let pid = try #require(stackB.snapshot().first?.pid)
                // Crash it: SIGKILL, no goodbye on the link. Stopping the Altstack then keeps it down.
                let lines = logA.all.count
                #expect(kill(pid, SIGKILL) == 0)
                return (pid, lines)
            }
            let gone = await eventually(timeout: .seconds(10)) { stackA.snapshot().first?.peers.isEmpty == true }
            #expect(gone, "lna still lists lnb after it was killed")
            #expect(await eventually(timeout: .seconds(5)) { disconnects.contains(idB) }, "no peerdisconnected for lnb")

            // Down for 4 s: attempts at about 0.25, 0.5, 1, 1, 1 s: the backoff reaches its cap.
            try await Task.sleep(for: .seconds(4))
            let delays = logA.all.dropFirst(linesBeforeKill).compactMap(Self.reconnectDelay)
            FileHandle.standardError.write(Data("reconnect: delays logged while lnb was down (ms): \(delays)\n".utf8))
            #expect(delays.count >= 3, "reconnection attempts logged: \(delays)")
            #expect(delays.allSatisfy { $0 <= 1000 }, "a delay above the 1,000 ms cap: \(delays)")
            #expect(logA.all.dropFirst(linesBeforeKill).contains { $0.contains("at the cap; at most 1000 ms") },
                    "the cap was never reached: \(delays)")

            // Second life of B, same port and key: the link comes back and carries messages.
            let received = Received()
            let restarted = ContinuousClock.now
            try await withAltstack([configB], coreHandler: core.handle) { stackB in
                let eventsB = Task {
                    for await event in stackB.events {
                        if case .messageReceived(let driver, let peer, let message) = event {
                            received.append(driver: driver, peer: peer, message: message)
                        }
                    }
                }
                defer { eventsB.cancel() }
                #expect(await stackB.waitUntilReady(count: 1, timeout: .seconds(20)))
                #expect(stackB.snapshot().first?.pid != pidB)
                let back = await eventually(timeout: .seconds(15)) {
                    stackA.snapshot().first?.peers.map(\.id) == [idB] && stackB.snapshot().first?.peers.map(\.id) == [idA]
                }
                try #require(back, "the link did not come back: \(logA.all.suffix(10))")
                FileHandle.standardError.write(Data("reconnect: link back \(ContinuousClock.now - restarted) after lnb's restart began\n".utf8))
                for i in 0..<10 {
                    let tx = DriverP2PMessage(command: "tx", payload: Hex.encode(LightningFixtures.fakeTx(i)))
                    _ = try await stackA.supervisor(named: "lna")!.call(Methods.sendMessage, SendMessageParams(peer: idB, message: tx))
                }
                let flowed = await eventually(timeout: .seconds(10)) { received.count(driver: "lnb") >= 10 }
                #expect(flowed, "lnb got \(received.count(driver: "lnb")) of 10 txs after the reconnection")
                #expect(received.messages(driver: "lnb").map { try? Hex.decode($0.message.payload) }
                        == (0..<10).map { LightningFixtures.fakeTx($0) })
            }
        }
    }

    /// The delay in a "reconnecting to HOST:PORT in N ms" log line.
    static func reconnectDelay(_ line: String) -> Int? {
        guard let start = line.range(of: "reconnecting to "), let inRange = line.range(of: " in ", range: start.upperBound..<line.endIndex),
              let ms = line.range(of: " ms", range: inRange.upperBound..<line.endIndex) else { return nil }
        return Int(line[inRange.upperBound..<ms.lowerBound])
    }

    /// `lightning.getinfo`'s answer.
    struct GetInfo: Decodable {
        let nodeid: String?
        let listen: String?
    }
}
