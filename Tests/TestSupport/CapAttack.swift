import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The connection-cap attack the hostile proxy tests run against a server with a connection cap
/// of `held`: `held` silent connections from 127.0.0.1, then `extra` more past the cap, then one
/// honest client from 127.0.0.2 while all are open. What the server did is returned for the
/// test to judge. Blocking: run through ``offPool(background:_:)``.
public struct CapAttack: Sendable {
    /// How many of the `extra` connections were closed within 1.5 s (past the cap: at accept).
    public let extraClosed: Int
    /// The server's resident memory (KiB) with every attacking connection open, 0 if unreadable.
    public let duringKiB: Int
    /// What the honest client read after sending its request.
    public let honestReply: [UInt8]
    /// How many held connections were closed within 0.1 s after the honest client was served
    /// (the one evicted for it, when the server evicts).
    public let heldClosedEarly: Int
    /// How many held connections were closed within `heldTimeout` seconds (the server's timeout).
    public let heldClosed: Int

    /// Runs the attack on 127.0.0.1:`port`, a server whose process is `pid`.
    /// - Throws: ``HeldConnections/Failure`` when a connection cannot be made.
    public static func run(
        port: Int, pid: Int32, held: Int, extra: Int,
        honestRequest: [UInt8], honestTimeout: TimeInterval, heldTimeout: TimeInterval = 8
    ) throws -> CapAttack {
        let heldConnections = try HeldConnections(count: held, port: port)
        defer { heldConnections.close() }
        usleep(300_000)
        let extraConnections = try HeldConnections(count: extra, port: port)
        defer { extraConnections.close() }
        let extraClosed = extraConnections.closedCount(within: 1.5)
        let during = (try? ResidentMemory.kib(pid: pid)) ?? 0
        let honest = try HeldConnections(count: 1, port: port, from: "127.0.0.2")
        defer { honest.close() }
        honest.send(0, honestRequest)
        let honestReply = honest.read(0, timeout: honestTimeout).bytes
        let heldClosedEarly = heldConnections.closedCount(within: 0.1)
        let heldClosed = heldConnections.closedCount(within: heldTimeout)
        return CapAttack(
            extraClosed: extraClosed, duringKiB: during, honestReply: honestReply,
            heldClosedEarly: heldClosedEarly, heldClosed: heldClosed)
    }
}
