import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging

/// Runs a ``Driver`` over standard input and output until `shutdown` or end of input.
///
/// Requests are handled concurrently, each in its own task; answers go out as whole messages with
/// `write(2)`. Malformed and oversized lines are answered with a JSON-RPC error (id null) and
/// skipped. Before `init` only `getmanifest`, `init`, `ping` and `shutdown` are served.
/// The manifest declares the driver's framings among those the core offered; when `init` picks
/// binary, everything after its answer goes out as binary frames (``DriverFraming``). Lines and
/// frames are both read at any time.
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
        await DriverRunner(driver).run(LineReader.start(fd: 0), endOfInputGrace: .seconds(5))
    }

    /// Serves the decoded events until `shutdown` or their end.
    ///
    /// At the end of input the core is gone (it exited, or was killed with -9, and its pipe
    /// closed): nothing in flight can be answered any more, so the driver is stopped at once
    /// (its peers closed, its state written) instead of waiting out the timeouts of requests in
    /// flight, which left an orphaned driver running for up to a minute.
    /// - Parameters:
    ///   - events: input lines and frames.
    ///   - endOfInputGrace: when set, the process exits this long after the end of input even if
    ///     a request in flight ignores cancellation (``main(_:)`` sets 5 s; tests leave it nil).
    public func run(_ events: AsyncStream<DriverFrameDecoder.Event>, endOfInputGrace: Duration? = nil) async {
        await withTaskGroup(of: Void.self) { group in
            for await event in events {
                let parsed: Result<RPCFrame, DriverProtocolError>
                switch event {
                case .oversized(let count):
                    context.logger.warning("refused a message of \(count) bytes (limit \(DriverProtocolLimits.maxLineBytes))")
                    writer.write(RPCCodec.error(
                        id: nil, DriverProtocolError(.oversizedLine, "message of \(count) bytes exceeds the limit of \(DriverProtocolLimits.maxLineBytes)"),
                        framing: writer.framing))
                    continue
                case .line(let bytes):
                    parsed = Result { () throws(DriverProtocolError) in try RPCCodec.parse(bytes) }
                case .frame(let body):
                    parsed = Result { () throws(DriverProtocolError) in try RPCCodec.parse(frame: body) }
                }
                do throws(DriverProtocolError) {
                    let frame = try parsed.get()
                    switch frame.kind {
                    case .request(let id, let method):
                        if method == Methods.shutdown {
                            await group.waitForAll()  // answer what is in flight first
                            await driver.stop(context: context)
                            context.pending.close(DriverProtocolError(.shuttingDown, "driver is shutting down"))
                            if let line = try? RPCCodec.result(id: id, EmptyObject(), framing: writer.framing) { writer.write(line) }
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
                } catch {
                    writer.write(RPCCodec.error(id: RPCCodec.id(of: error), error, framing: writer.framing))
                }
            }
            context.pending.close(DriverProtocolError(.shuttingDown, "standard input closed"))
            context.logger.info("standard input closed: stopping")
            if let grace = endOfInputGrace {
                let milliseconds = Int(grace.components.seconds * 1000 + grace.components.attoseconds / 1_000_000_000_000_000)
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { exit(0) }
            }
            group.cancelAll()
            await driver.stop(context: context)
        }
    }

    private func serve(_ frame: RPCFrame, id: RPCID, method: String) async {
        let line: [UInt8]
        do {
            if method == Methods.initialize {
                // The answer to `init` is the last message in the old framing.
                let framing = try await initialize(frame)
                writer.write(try RPCCodec.result(id: id, EmptyObject(), framing: writer.framing), switchingTo: framing)
                return
            }
            line = try await answer(frame, id: id, method: method)
        } catch let error as DriverProtocolError {
            line = RPCCodec.error(id: id, error, framing: writer.framing)
        } catch {
            line = RPCCodec.error(id: id, DriverProtocolError(.internalError, "\(error)"), framing: writer.framing)
        }
        writer.write(line)
    }

    /// `init`: checks the framing the core picked, starts the driver.
    /// - Returns: the framing to switch to after the answer.
    private func initialize(_ frame: RPCFrame) async throws -> DriverFraming {
        let params = try frame.params(as: InitParams.self)
        let framing = params.framing ?? .json
        guard driver.info.framings.contains(framing) || framing == .json else {
            throw DriverProtocolError(.invalidParams, "framing \(framing.rawValue) was not declared")
        }
        try await driver.start(params, context: context)
        state.markInitialized()
        return framing
    }

    private func answer(_ frame: RPCFrame, id: RPCID, method: String) async throws -> [UInt8] {
        let info = driver.info
        let framing = writer.framing
        switch method {
        case Methods.getManifest:
            let params = try frame.params(as: GetManifestParams.self)
            let offered = params.protocolVersions
            guard let version = ProtocolVersion.negotiate(offered: offered, supported: info.protocolVersions) else {
                throw DriverProtocolError(
                    .versionMismatch,
                    "no common protocol version: core offers \(offered), \(info.name) speaks \(info.protocolVersions)")
            }
            let manifest = Manifest(
                name: info.name, version: info.version, protocolVersion: version,
                capabilities: info.capabilities, options: info.options,
                framings: DriverFraming.declare(offered: params.offeredFramings, spoken: info.framings))
            return try RPCCodec.result(id: id, manifest, framing: framing)
        case Methods.ping:
            return try RPCCodec.result(id: id, EmptyObject(), framing: framing)
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
            let result = try await driver.sendMessage(params, context: context)
            return try RPCCodec.result(id: id, result, framing: writer.framing)
        case Methods.listPeers:
            return try RPCCodec.result(id: id, try await driver.listPeers(context: context), framing: framing)
        case Methods.broadcastTx:
            let params = try frame.params(as: BroadcastTxParams.self)
            try Hex.validate(params.tx, field: "tx")
            return try RPCCodec.result(id: id, try await driver.broadcastTx(params, context: context), framing: framing)
        case Methods.disconnectPeer:
            let params = try frame.params(as: DisconnectPeerParams.self)
            try await driver.disconnectPeer(params, context: context)
            return try RPCCodec.result(id: id, EmptyObject(), framing: framing)
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
