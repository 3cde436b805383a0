import Altstack
import BitcoinPrimitives
import DriverProtocol

/// The checks of peer addressing, which the core's fan-out relies on (docs/driver-protocol.md,
/// "How the core fans out"): it lists a driver's peers, picks several, and sends each its own
/// `sendmessage` with `peer` set. A driver that quietly sends to another peer, or to the same one
/// every time, turns several views of the chain back into one.
extension DriverConformance {
    /// A peer id no driver should know.
    static let unknownPeerID = "check-driver-no-such-peer"

    /// Most listed peers the addressing check sends to (each costs one round trip).
    static let maxPeersAddressed = 16

    /// `peer-addressing`: every peer `listpeers` shows (those carrying altnet messages, up to
    /// ``maxPeersAddressed``) answers a `getheaders` addressed to it by id, and the result names
    /// that peer. Applies to drivers that carry `getheaders` (the fan-out's request); a driver
    /// that lists no peer passes with nothing to address.
    static func checkPeerAddressing(
        _ session: ConformanceSession, capabilities: TransportCapabilities?, timeout: Duration,
        record: (ConformanceCheck, Bool, String) -> Void
    ) async {
        guard let capabilities, CapabilityRequirement.request(.headers).isSatisfied(by: capabilities) else {
            record(.peerAddressing, true, "not applicable: no getheaders to send (headers not declared with send)")
            return
        }
        guard let frame = await session.request(Methods.listPeers, EmptyObject(), timeout: timeout) else {
            record(.peerAddressing, false, "listpeers not answered within \(timeout)")
            return
        }
        let listed: [PeerInfo]
        do {
            listed = try frame.result(as: ListPeersResult.self).peers
        } catch {
            record(.peerAddressing, false, "listpeers: \(error.message)")
            return
        }
        let addressable = listed.filter { $0.altnet != false }
        guard !addressable.isEmpty else {
            record(.peerAddressing, true, "the driver listed no peer carrying altnet messages: nothing to address")
            return
        }
        let message = DriverP2PMessage(command: "getheaders", payload: regtestGetHeadersPayload)
        var answered: [String] = []
        for peer in addressable.prefix(maxPeersAddressed) {
            let params = SendMessageParams(peer: peer.id, message: message, expect: ["headers"], timeoutMs: 5000)
            guard let frame = await session.request(Methods.sendMessage, params, timeout: timeout + .seconds(5)) else {
                record(.peerAddressing, false, "getheaders to listed peer \(peer.id.prefix(66)) not answered within \(timeout + .seconds(5))")
                return
            }
            if case .error(_, let error) = frame.kind {
                record(.peerAddressing, false, "getheaders to listed peer \(peer.id.prefix(66)) failed: \(error)")
                return
            }
            do {
                let result = try frame.result(as: SendMessageResult.self)
                guard result.peer == peer.id else {
                    record(.peerAddressing, false, "getheaders addressed to \(peer.id.prefix(66)) was answered from \(result.peer.prefix(66))")
                    return
                }
                guard result.replies.contains(where: { $0.command == "headers" }) else {
                    record(.peerAddressing, false, "getheaders to \(peer.id.prefix(66)) came back without headers")
                    return
                }
            } catch {
                record(.peerAddressing, false, "getheaders to \(peer.id.prefix(66)): \(error.message)")
                return
            }
            answered.append(String(peer.id.prefix(16)))
        }
        let more = addressable.count > maxPeersAddressed ? " (first \(maxPeersAddressed) of \(addressable.count))" : ""
        record(.peerAddressing, true, "\(answered.count) listed peer(s) answered getheaders by id\(more): \(answered.joined(separator: ", "))")
    }

    /// `unknown-peer`: a `sendmessage` naming a peer the driver does not have gets error -32004
    /// (peerUnavailable), not an answer from some other peer. Sent with a message the driver
    /// declared (getheaders, else a getdata for regtest's genesis block, else for a transaction).
    static func checkUnknownPeer(
        _ session: ConformanceSession, capabilities: TransportCapabilities?, timeout: Duration,
        record: (ConformanceCheck, Bool, String) -> Void
    ) async {
        guard let capabilities, capabilities.send, let message = probe(for: capabilities) else {
            record(.unknownPeer, true, "not applicable: the driver sends nothing")
            return
        }
        let params = SendMessageParams(
            peer: unknownPeerID, message: message.message, expect: message.expect, timeoutMs: 2000)
        guard let frame = await session.request(Methods.sendMessage, params, timeout: timeout) else {
            record(.unknownPeer, false, "\(message.message.command) to an unknown peer not answered within \(timeout)")
            return
        }
        switch frame.kind {
        case .error(_, let error) where error.code == DriverProtocolError.Kind.peerUnavailable.code:
            record(.unknownPeer, true, "\(message.message.command) to an unknown peer refused with peerUnavailable (-32004)")
        case .error(_, let error):
            record(.unknownPeer, false, "\(message.message.command) to an unknown peer answered \(error.kind.rawValue) (\(error.code)), expected -32004")
        default:
            let used = (try? frame.result(as: SendMessageResult.self).peer).map { " from peer \($0.prefix(66))" } ?? ""
            record(.unknownPeer, false, "\(message.message.command) to an unknown peer was answered\(used): it must fail with -32004")
        }
    }

    /// A request within the declared message kinds, and what answers it.
    static func probe(for capabilities: TransportCapabilities) -> (message: DriverP2PMessage, expect: [String])? {
        let kinds = capabilities.messageKinds
        if kinds.contains(.headers) {
            return (DriverP2PMessage(command: "getheaders", payload: regtestGetHeadersPayload), ["headers"])
        }
        if kinds.contains(.blocks) {
            // MSG_WITNESS_BLOCK (0x40000002, protocol.h) for regtest's genesis block.
            return (DriverP2PMessage(command: "getdata", payload: "01" + "02000040" + regtestGenesisWireHex), ["block", "notfound"])
        }
        if kinds.contains(.transactions) {
            // MSG_WTX (5, BIP339) for an all-zero wtxid, which no transaction has.
            return (DriverP2PMessage(command: "getdata", payload: "01" + "05000000" + String(repeating: "0", count: 64)), ["tx", "notfound"])
        }
        return nil
    }

    /// Regtest's genesis hash in wire (internal) byte order, as hex.
    static var regtestGenesisWireHex: String {
        let genesis = (try? Hex.decode(ChainInfo.regtest.genesisHash)) ?? []
        return Hex.encode(genesis.reversed())
    }
}
