import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `altnet-driver-test`: a DriverKit driver with fault switches, for the supervision, routing and
/// bench tests. Not shipped.
///
/// Options: `--name N`, `--kinds headers,blocks,transactions`, `--latency low|medium|high`,
/// `--crash-on-init` (exit 3 in init), `--hang-after-ms N` (SIGSTOP itself N ms after init),
/// `--fail-sendmessage` (answer every sendmessage with an error), `--slow-ms N` (delay
/// sendmessage), `--echo` (reply to sendmessage with the message itself), `--breach` (deliver a
/// `block` after init, whatever the declared kinds), `--protocol-versions 2,3` (versions it speaks),
/// `--no-receive` (declare `receive: false`, as the RPC driver does), `--json-only` (declare no
/// binary framing: the pipe stays on JSON lines), `--flood CMD:BYTES:COUNT`
/// (after init, deliver COUNT messages `CMD` of BYTES payload bytes from peer p1 as fast as the
/// pipe takes them, from its own thread; COUNT 0 means until killed: a hostile peer's stream).
/// The same through `init` options (when altnetd runs it under a driver's name from
/// `--driverdir`): `flood` (CMD:BYTES:COUNT), `flood_after_ms`, `peer_id` (the id of its one peer, percent-decoded).
struct TestDriver: Driver {
    var name = "test"
    var kinds: Set<MessageKind> = [.headers]
    var latency: LatencyClass = .low
    var crashOnInit = false
    var hangAfterMs: Int?
    var failSendMessage = false
    var slowMs = 0
    var echo = false
    var breach = false
    var receive = true
    var framings = DriverFraming.allCases
    var protocolVersions = ProtocolVersion.supported
    var flood: (command: String, bytes: Int, count: Int)?

    init(arguments: [String]) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--name": name = rest.popFirst() ?? name
            case "--kinds": kinds = Set((rest.popFirst() ?? "").split(separator: ",").compactMap { MessageKind(rawValue: String($0)) })
            case "--latency": latency = LatencyClass(rawValue: rest.popFirst() ?? "") ?? .low
            case "--crash-on-init": crashOnInit = true
            case "--hang-after-ms": hangAfterMs = Int(rest.popFirst() ?? "")
            case "--fail-sendmessage": failSendMessage = true
            case "--slow-ms": slowMs = Int(rest.popFirst() ?? "") ?? 0
            case "--echo": echo = true
            case "--breach": breach = true
            case "--no-receive": receive = false
            case "--json-only": framings = [.json]
            case "--flood":
                let parts = (rest.popFirst() ?? "").split(separator: ":").map(String.init)
                if parts.count == 3, let bytes = Int(parts[1]), let count = Int(parts[2]) { flood = (parts[0], bytes, count) }
            case "--protocol-versions":
                protocolVersions = (rest.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
            default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
            }
        }
    }

    var info: DriverDescription {
        DriverDescription(
            name: name, version: "0.1.0",
            capabilities: TransportCapabilities(send: true, receive: receive, messageKinds: kinds, latency: latency),
            protocolVersions: protocolVersions, framings: framings)
    }

    func start(_ params: InitParams, context: DriverContext) async throws {
        context.logger.info("init on \(params.network)")
        if crashOnInit {
            context.logger.error("crashing on init as asked")
            exit(3)
        }
        var peerID = "p1"
        // Percent-decoded, so a test can give it the newlines and escapes a hostile peer would.
        if case .string(let id)? = params.options["peer_id"] { peerID = id.removingPercentEncoding ?? id }
        try context.peerConnected(PeerInfo(id: peerID, address: "127.0.0.1:1", direction: .outbound))
        var flood = self.flood
        if case .string(let text)? = params.options["flood"] {
            let parts = text.split(separator: ":").map(String.init)
            if parts.count == 3, let bytes = Int(parts[1]), let count = Int(parts[2]) { flood = (parts[0], bytes, count) }
        }
        var floodAfterMs = 0
        switch params.options["flood_after_ms"] {
        case .int(let ms)?: floodAfterMs = Int(ms)
        case .string(let text)?: floodAfterMs = Int(text) ?? 0
        default: break
        }
        if let hangAfterMs {
            Task {
                try? await Task.sleep(for: .milliseconds(hangAfterMs))
                context.logger.error("hanging as asked")
                kill(getpid(), SIGSTOP)
            }
        }
        if let flood {
            let delayMs = floodAfterMs
            // In the pipe's own form (hex for JSON lines, bytes for binary frames): no conversion per message.
            let hex = DriverP2PMessage(command: flood.command, payload: String(repeating: "00", count: flood.bytes))
            let raw = DriverP2PMessage(command: flood.command, payloadBytes: [UInt8](repeating: 0, count: flood.bytes))
            let thread = Thread {
                if delayMs > 0 { usleep(UInt32(delayMs) * 1000) }
                var sent = 0
                while flood.count == 0 || sent < flood.count {
                    guard (try? context.messageReceived(from: "p1", context.framing == .binary ? raw : hex)) != nil else { break }
                    sent += 1
                }
                context.logger.info("flood ended after \(sent) messages")
            }
            thread.start()
        }
        if breach {
            Task {
                try? await Task.sleep(for: .milliseconds(50))
                try? context.messageReceived(from: "p1", DriverP2PMessage(command: "block", payload: "00"))
            }
        }
    }

    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        if slowMs > 0 { try await Task.sleep(for: .milliseconds(slowMs)) }
        if failSendMessage { throw DriverProtocolError(.peerUnavailable, "\(name): no peer answered (as configured)") }
        if let peer = params.peer, peer != "p1" { throw DriverProtocolError(.peerUnavailable, "\(name): no peer \(peer.prefix(80))") }
        if echo { return SendMessageResult(peer: "p1", replies: [params.message]) }
        // A headers reply with zero headers: compact size 0.
        let replies = params.expect.first.map { [DriverP2PMessage(command: $0, payload: "00")] } ?? []
        return SendMessageResult(peer: "p1", replies: replies)
    }

    func listPeers(context: DriverContext) async throws -> ListPeersResult {
        ListPeersResult(peers: [PeerInfo(id: "p1", address: "127.0.0.1:1", direction: .outbound)])
    }

    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        guard kinds.contains(.transactions) else { throw DriverProtocolError(.capabilityBreach, "no transactions here") }
        return BroadcastTxResult(accepted: true, peers: 1)
    }

    /// `test.askcore`: asks the core for ECDH with the point in params and returns the secret.
    func handle(_ frame: RPCFrame, id: RPCID, context: DriverContext) async throws -> [UInt8] {
        guard frame.method == "test.askcore" else {
            throw DriverProtocolError(.methodNotFound, "unknown method \"\(frame.method ?? "")\"")
        }
        let params = try frame.params(as: ECDHParams.self)
        let secret = try await context.ecdh(point: try Hex.decode(params.point))
        return try RPCCodec.result(id: id, ECDHResult(secret: Hex.encode(secret)))
    }
}

@main
enum TestDriverMain {
    static func main() async {
        await DriverRunner.main(TestDriver(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}
