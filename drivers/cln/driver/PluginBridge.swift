import CLNDriverCore
import DriverKit
import DriverProtocol
import Foundation
import JSON
import LightningAltnetMessages
import LightningDriverCore
import Logging
import NIOCore
import NIOPosix

/// Where the plugin half (`altnet-cln-plugin`, inside lightningd) hands over the altnet messages
/// lightningd's `custommsg` hook received: a Unix socket, mode 0600 in a 0700 directory, one
/// `{"peer_id", "payload"}` object per line (``CustomMessage/bridgeLine``), or
/// `{"peers_changed": true}` when lightningd reported a peer connecting or leaving (a `listpeers`
/// at once). Each message goes to the hub; what it completes goes to the core. At most ``maxConnections`` plugins at once.
struct PluginBridge: Sendable {
    let hub: AltnetHub
    let poller: PeerPoller
    /// Carries acknowledgements back (``AltnetSessionEvent/acknowledge(_:)``).
    let sender: CustomMessageSender
    let context: DriverContext

    /// Plugin connections at once (one lightningd, with room for a restart overlapping).
    static let maxConnections = 4

    /// Binds the socket and returns the accept loop to run.
    /// - Throws: the bind error (a path in use by a live process, a directory that cannot be made).
    func listen(path: String) async throws -> @Sendable () async -> Void {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                }
            }
        guard chmod(path, 0o600) == 0 else { throw CLNError("cannot make \(path) mode 0600 (errno \(errno))") }
        context.logger.info("waiting for altnet-cln-plugin on \(path)")
        let bridge = self
        return {
            let slots = InboundSlots(limit: Self.maxConnections)
            do {
                try await server.executeThenClose { inbound in
                    await withDiscardingTaskGroup { group in
                        do {
                            for try await child in inbound {
                                let raw = child.channel
                                guard case .admitted(let ticket) = slots.admit(address: "plugin", evict: { raw.close(promise: nil) }) else {
                                    bridge.context.logger.warning("refused a plugin connection: \(Self.maxConnections) already open")
                                    try? await raw.close()
                                    continue
                                }
                                group.addTask {
                                    defer { slots.release(ticket) }
                                    await bridge.serve(child)
                                }
                            }
                        } catch {
                            bridge.context.logger.warning("plugin socket stopped: \(error)")
                        }
                        group.cancelAll()
                    }
                }
            } catch {
                bridge.context.logger.warning("plugin socket closed: \(error)")
            }
        }
    }

    /// Reads one plugin's lines until it closes.
    private func serve(_ child: NIOAsyncChannel<ByteBuffer, Never>) async {
        context.logger.info("altnet-cln-plugin connected")
        var framer = LineFramer(maxLineBytes: CustomMessage.maxLineBytes)
        do {
            try await child.executeThenClose { inbound, _ in
                for try await chunk in inbound {
                    for event in framer.append(Array(chunk.readableBytesView)) {
                        switch event {
                        case .line(let line): await take(line)
                        case .oversized(let count): context.logger.warning("dropped a plugin line of \(count) bytes (more than \(CustomMessage.maxLineBytes))")
                        }
                    }
                }
            }
        } catch {
            context.logger.info("plugin connection ended: \(error)")
        }
        context.logger.info("altnet-cln-plugin disconnected")
    }

    /// One received custom message: to the hub, and what it completes to the core.
    private func take(_ line: [UInt8]) async {
        let message: CustomMessage
        do {
            let value = try JSONValue.parse(line, limits: JSONLimits(maxBytes: CustomMessage.maxLineBytes, maxDepth: 4))
            if value["peers_changed"] != nil {
                await poller.refresh()
                return
            }
            message = try CustomMessage(hookParams: value)
        } catch {
            context.logger.warning("unreadable line from the plugin: \(error)")
            return
        }
        guard message.isAltnet else { return }
        if !hub.carriesAltnet(message.peer) { await poller.refresh() }
        let events: [AltnetSessionEvent]
        do throws(AltnetMessageError) {
            events = try hub.receive(message.message, from: message.peer, now: .now)
        } catch {
            // The Lightning connection is the operator's: the peer's altnet state starts over
            // instead (its partial messages and waiting requests are dropped).
            context.logger.warning("altnet protocol violation by \(message.peer.prefix(16)): \(error); its altnet state is reset")
            hub.disconnect(message.peer)
            hub.connect(message.peer, altnet: true)
            return
        }
        for event in events {
            switch event {
            case .received(let peer, let p2p): try? context.messageReceived(from: peer, p2p)
            case .acknowledge(let ack):
                do throws(OutboundQueueFull) { _ = try sender.deliver(ack) } catch { context.logger.debug("acknowledgement not sent: \(error)") }
            case .dropped(_, let error): context.logger.warning("altnet message dropped: \(error)")
            case .ignored(let what): context.logger.debug("\(what)")
            case .reply: break
            }
        }
    }
}
