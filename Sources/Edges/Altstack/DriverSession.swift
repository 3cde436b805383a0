import DriverProtocol
import Foundation
import Logging

/// Why a driver process's session ended.
enum SessionEnd: Sendable, Hashable {
    /// Its standard output closed (it exited or was killed).
    case exited
    /// It broke the protocol; the reason says how.
    case breach(String)
    /// A heartbeat went unanswered.
    case hung(String)
    /// The handshake failed.
    case handshakeFailed(String)
    /// The driver speaks no protocol version the core speaks: restarting cannot help.
    case incompatible(String)
    /// The core asked it to stop.
    case stopRequested
    /// The grace period after `shutdown` ran out.
    case graceExpired

    var reason: String {
        switch self {
        case .exited: "exited"
        case .breach(let why): "protocol breach: \(why)"
        case .hung(let why): "hung: \(why)"
        case .handshakeFailed(let why): "handshake failed: \(why)"
        case .incompatible(let why): "incompatible: \(why)"
        case .stopRequested: "stopped"
        case .graceExpired: "did not exit after shutdown"
        }
    }
}

/// The core's side of one running driver process: calls with ids and deadlines, the driver's
/// notifications and requests, capability checks. Lives as long as the process.
final class DriverSession: Sendable {
    let name: String
    let pipe: DriverPipe
    let pending = RPCPendingTable()
    private let logger: Logger
    private let coreHandler: CoreRequestHandler
    private let onEvent: @Sendable (DriverEvent) -> Void
    private let capabilitiesBox = LockedValue<TransportCapabilities?>(nil)
    private let framingBox = LockedValue(DriverFraming.json)

    init(name: String, pipe: DriverPipe, logger: Logger, coreHandler: @escaping CoreRequestHandler,
         onEvent: @escaping @Sendable (DriverEvent) -> Void) {
        self.name = name
        self.pipe = pipe
        self.logger = logger
        self.coreHandler = coreHandler
        self.onEvent = onEvent
    }

    /// The capabilities from the manifest, once the handshake has read it.
    var capabilities: TransportCapabilities? {
        get { capabilitiesBox.value }
        set { capabilitiesBox.value = newValue }
    }

    /// The framing of the core's messages to the driver, and of the driver's it accepts: JSON
    /// lines until `init` picked binary.
    var framing: DriverFraming { framingBox.value }

    /// Calls a driver method.
    /// - Parameters:
    ///   - switchingTo: the framing of every message after this request (`init`'s pick).
    /// - Returns: the result frame.
    /// - Throws: ``DriverProtocolError``: the driver's error, `timeout`, `driverUnavailable`.
    func call<P: Encodable & Sendable>(
        _ method: String, _ params: P, timeout: Duration, switchingTo: DriverFraming? = nil
    ) async throws(DriverProtocolError) -> RPCFrame {
        let pipe = self.pipe
        let framing = framingBox
        return try await pending.call(timeout: timeout) { id in
            guard let message = try? RPCCodec.request(id: id, method: method, params: params, framing: framing.value) else { return false }
            let sent = pipe.send(message)
            if let switchingTo { framing.value = switchingTo }
            return sent
        }
    }

    /// Reads the driver's output until it ends or breaks the protocol.
    func readLoop() async -> SessionEnd {
        while let event = await pipe.next() {
            switch event {
            case .oversized(let count):
                return .breach("message of \(count) bytes exceeds the limit of \(DriverProtocolLimits.maxLineBytes)")
            case .line(let bytes):
                let frame: RPCFrame
                do {
                    frame = try RPCCodec.parse(bytes)
                } catch {
                    return .breach("unreadable line on stdout (\(LogText.escaped(error.message, limit: 200))): \(LogText.escaped(String(decoding: bytes.prefix(80), as: UTF8.self), limit: 80))")
                }
                if let breach = dispatch(frame) { return .breach(breach) }
            case .frame(let body):
                guard framing == .binary else { return .breach("a binary frame, but binary framing was not picked in init") }
                let frame: RPCFrame
                do {
                    frame = try RPCCodec.parse(frame: body)
                } catch {
                    return .breach("unreadable binary frame on stdout (\(LogText.escaped(error.message, limit: 200)))")
                }
                if let breach = dispatch(frame) { return .breach(breach) }
            }
        }
        return .exited
    }

    /// Handles one frame; returns a breach description when the frame breaks the protocol.
    private func dispatch(_ frame: RPCFrame) -> String? {
        switch frame.kind {
        case .result, .error(.some, _):
            if !pending.resolve(frame) { logger.debug("late or stray answer", metadata: ["driver": "\(name)"]) }
            return nil
        case .error(nil, let error):
            return "error without id: \(error.message)"
        case .request(let id, let method):
            serve(DriverRequest(driver: name, method: method, frame: frame), id: id)
            return nil
        case .notification(let method):
            return notification(method, frame)
        }
    }

    private func notification(_ method: String, _ frame: RPCFrame) -> String? {
        do {
            switch method {
            case Methods.peerConnected:
                onEvent(.peerConnected(driver: name, peer: try frame.params(as: PeerConnected.self).peer))
            case Methods.peerDisconnected:
                let params = try frame.params(as: PeerDisconnected.self)
                onEvent(.peerDisconnected(driver: name, peer: params.peer, reason: params.reason))
            case Methods.messageReceived:
                let params = try frame.params(as: MessageReceived.self)
                try params.message.validate()
                guard let capabilities, capabilities.receive, capabilities.permits(command: params.message.command) else {
                    return "delivered \(params.message.command), which its capabilities do not declare"
                }
                onEvent(.messageReceived(driver: name, peer: params.peer, message: params.message))
            default:
                logger.debug("ignoring unknown notification \(method)", metadata: ["driver": "\(name)"])
            }
        } catch {
            return "invalid \(method) notification: \(error.message)"
        }
        return nil
    }

    private func serve(_ request: DriverRequest, id: RPCID) {
        let handler = coreHandler
        let pipe = self.pipe
        let framing = framingBox
        Task {
            let line: [UInt8]
            do {
                let result = try await handler(request)
                line = try RPCCodec.result(id: id, result, framing: framing.value)
            } catch let error as DriverProtocolError {
                line = RPCCodec.error(id: id, error, framing: framing.value)
            } catch {
                line = RPCCodec.error(id: id, DriverProtocolError(.internalError, "\(error)"), framing: framing.value)
            }
            pipe.send(line)
        }
    }
}

/// A value behind a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Mutates in place under the lock.
    func update<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&stored) }
    }
}
