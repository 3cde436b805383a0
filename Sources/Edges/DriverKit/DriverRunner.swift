import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging

/// Runs a ``Driver`` over standard input and output until `shutdown` or end of input.
///
/// Requests are handled concurrently, each in its own task; answers go out as whole lines with
/// `write(2)`. Malformed and oversized lines are answered with a JSON-RPC error (id null) and
/// skipped. Before `init` only `getmanifest`, `init`, `ping` and `shutdown` are served.
public final class DriverRunner: Sendable {
    private let driver: any Driver
    private let writer: LineWriter
    private let context: DriverContext
    private let state = StateBox()

    /// - Parameters:
    ///   - driver: the driver.
    ///   - writer: where lines go (standard output by default).
    ///   - logger: the driver's logger (standard error by default).
    public init(_ driver: any Driver, writer: LineWriter = LineWriter(fd: 1), logger: Logger? = nil) {
        self.driver = driver
        self.writer = writer
        let logger = logger ?? Logger(label: "driver.\(driver.info.name)")
        self.context = DriverContext(writer: writer, pending: RPCPendingTable(), logger: logger)
    }

    /// Runs `driver` on standard input and output; returns after `shutdown` or end of input.
    /// Ignores SIGPIPE so a vanished core is a write error, not a silent death.
    public static func main(_ driver: any Driver) async {
        signal(SIGPIPE, SIG_IGN)
        await DriverRunner(driver).run(LineReader.start(fd: 0))
    }

    /// Serves the framed events until `shutdown` or their end.
    /// - Parameter events: framed input lines.
    public func run(_ events: AsyncStream<LineFramer.Event>) async {
        await withTaskGroup(of: Void.self) { group in
            for await event in events {
                switch event {
                case .oversized(let count):
                    context.logger.warning("refused a line of \(count) bytes (limit \(DriverProtocolLimits.maxLineBytes))")
                    writer.write(RPCCodec.error(id: nil, DriverProtocolError(.oversizedLine, "line of \(count) bytes exceeds the limit of \(DriverProtocolLimits.maxLineBytes)")))
                case .line(let bytes):
                    let frame: RPCFrame
                    do {
                        frame = try RPCCodec.parse(bytes)
                    } catch let error as DriverProtocolError {
                        writer.write(RPCCodec.error(id: RPCCodec.id(of: error), error))
                        continue
                    } catch {
                        continue  // parse throws only DriverProtocolError
                    }
                    switch frame.kind {
                    case .request(let id, let method):
                        if method == Methods.shutdown {
                            await group.waitForAll()  // answer what is in flight first
                            await driver.stop(context: context)
                            context.pending.close(DriverProtocolError(.shuttingDown, "driver is shutting down"))
                            if let line = try? RPCCodec.result(id: id, EmptyObject()) { writer.write(line) }
                            group.cancelAll()
                            return
                        }
                        group.addTask { await self.serve(frame, id: id, method: method) }
                    case .notification:
                        break  // The core sends no notifications in protocol version 1.
                    case .result, .error:
                        if !context.pending.resolve(frame) {
                            context.logger.debug("answer to an unknown or expired request")
                        }
                    }
                }
            }
            context.pending.close(DriverProtocolError(.shuttingDown, "standard input closed"))
        }
    }

    private func serve(_ frame: RPCFrame, id: RPCID, method: String) async {
        let line: [UInt8]
        do {
            line = try await answer(frame, id: id, method: method)
        } catch let error as DriverProtocolError {
            line = RPCCodec.error(id: id, error)
        } catch {
            line = RPCCodec.error(id: id, DriverProtocolError(.internalError, "\(error)"))
        }
        writer.write(line)
    }

    private func answer(_ frame: RPCFrame, id: RPCID, method: String) async throws -> [UInt8] {
        let info = driver.info
        switch method {
        case Methods.getManifest:
            let offered = try frame.params(as: GetManifestParams.self).protocolVersions
            guard let version = ProtocolVersion.negotiate(offered: offered, supported: info.protocolVersions) else {
                throw DriverProtocolError(
                    .versionMismatch,
                    "no common protocol version: core offers \(offered), \(info.name) speaks \(info.protocolVersions)")
            }
            let manifest = Manifest(
                name: info.name, version: info.version, protocolVersion: version,
                capabilities: info.capabilities, options: info.options)
            return try RPCCodec.result(id: id, manifest)
        case Methods.initialize:
            let params = try frame.params(as: InitParams.self)
            try await driver.start(params, context: context)
            state.markInitialized()
            return try RPCCodec.result(id: id, EmptyObject())
        case Methods.ping:
            return try RPCCodec.result(id: id, EmptyObject())
        default:
            guard state.initialized else {
                throw DriverProtocolError(.notInitialized, "\(method) before init")
            }
        }
        switch method {
        case Methods.sendMessage:
            let params = try frame.params(as: SendMessageParams.self)
            try params.message.validate()
            guard info.capabilities.permits(command: params.message.command) else {
                throw DriverProtocolError(.capabilityBreach, "\(info.name) does not carry \(params.message.command)")
            }
            return try RPCCodec.result(id: id, try await driver.sendMessage(params, context: context))
        case Methods.listPeers:
            return try RPCCodec.result(id: id, try await driver.listPeers(context: context))
        case Methods.broadcastTx:
            let params = try frame.params(as: BroadcastTxParams.self)
            try Hex.validate(params.tx, field: "tx")
            return try RPCCodec.result(id: id, try await driver.broadcastTx(params, context: context))
        case Methods.disconnectPeer:
            let params = try frame.params(as: DisconnectPeerParams.self)
            try await driver.disconnectPeer(params, context: context)
            return try RPCCodec.result(id: id, EmptyObject())
        default:
            return try await driver.handle(frame, id: id, context: context)
        }
    }
}

/// The runner's one piece of mutable state.
private final class StateBox: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var isInitialized = false

    var initialized: Bool { lock.withLock { isInitialized } }
    func markInitialized() { lock.withLock { isInitialized = true } }
}
