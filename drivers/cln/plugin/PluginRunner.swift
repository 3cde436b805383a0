import CLNDriverCore
import Foundation
import JSON
import NIOCore
import NIOPosix

/// Runs the plugin on lightningd's pipes: JSON-RPC objects from standard input through a
/// ``PluginSession``, replies to standard output, altnet messages to the ``BridgeClient``. Logs
/// go to standard error, which lightningd writes to its own log.
enum PluginRunner {
    /// Serves lightningd until it closes the pipe or sends `shutdown`.
    static func run() async throws {
        let pipe = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptors(input: 0, output: 1) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var session = PluginSession(home: NSHomeDirectory())
        var bridge: BridgeClient?
        var bridgeTask: Task<Void, Never>?
        defer { bridgeTask?.cancel() }
        var framer = JSONObjectFramer(maxObjectBytes: PluginSession.maxObjectBytes)
        var lastDropReport = 0
        try await pipe.executeThenClose { inbound, outbound in
            for try await chunk in inbound {
                for event in framer.append(Array(chunk.readableBytesView)) {
                    guard case .object(let object) = event else {
                        log("skipped input from lightningd: \(event)")
                        continue
                    }
                    let current = bridge
                    let step = session.handle(object) { current?.status ?? .object([("connected", .bool(false))]) }
                    if let reply = step.reply { try await outbound.write(ByteBuffer(bytes: reply)) }
                    if let text = step.log { log(text) }
                    if let configuration = step.configured, bridge == nil {
                        let client = BridgeClient(path: configuration.socketPath, queueBytes: configuration.queueBytes)
                        bridge = client
                        log("lightningd \(configuration.network ?? "?") at \(configuration.lightningDir ?? "?"); forwarding altnet messages to \(configuration.socketPath)")
                        bridgeTask = Task { await client.run(log: log) }
                    }
                    if let message = step.forward, let bridge, !bridge.enqueue(message) {
                        // Report drops at most once per 1,000 (the hook itself never waits).
                        let dropped = bridge.status["dropped"]?.intValue.map(Int.init) ?? 0
                        if dropped >= lastDropReport + 1_000 || lastDropReport == 0 {
                            log("queue to altnetd full: dropped \(dropped) messages so far (altnet-queue-bytes)")
                            lastDropReport = dropped
                        }
                    }
                    if step.peersChanged { bridge?.peersChanged() }
                    if step.shutdown { return }
                }
            }
        }
    }

    /// One line on standard error.
    @Sendable static func log(_ text: String) {
        FileHandle.standardError.write(Data(("altnet-cln-plugin: " + text + "\n").utf8))
    }
}
