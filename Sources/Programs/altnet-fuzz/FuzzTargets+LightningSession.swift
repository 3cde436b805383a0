import BitcoinPrimitives
import BOLT8
import LightningAltnetMessages
import LightningDriverCore
import Secp256k1

/// The Lightning driver's core as a hostile peer meets it: a responder ``BOLT8PeerSession`` under
/// fixed keys, its messages handed to an ``AltnetSession`` as the driver does.
enum LightningSessionFuzz {
    static let chain = [UInt8](repeating: 0x06, count: 32)
    static let queueLimit = 200_000
    static let limits = AltnetReassemblyLimits(maxMessagesInFlight: 2, maxBufferedBytes: 50_000, maxBodyLength: 40_000,
                                               reassemblyTimeout: .seconds(4))

    /// Selector 19: after a fixed-key handshake with a raw initiator, records from the input: an
    /// `init` (features and network from the input), a ping (`num_pong_bytes` from the input), a
    /// pong, an altnet message or fragment with fields from the input, any type and payload, raw
    /// bytes nobody sealed, a clock step (tick, expire), or the writer taking part of the queue.
    /// Messages go in chunks from the input. After every step: the queue within its cap plus the
    /// control allowance; a failed session stays failed with the same reason; `ready` once, and
    /// only in answer to the first message; only altnet types handed up; the reassembly within
    /// its limits; and everything the session wrote decrypts to valid BOLT 1 messages.
    static func run(_ input: inout FuzzInput) {
        guard let rNode = BOLT8Fuzz.responderNode, let iNode = BOLT8Fuzz.initiatorNode, let ephemeral = BOLT8Fuzz.key(0x53),
              var initiator = BOLT8Fuzz.initiator() else { return }
        let settings = BOLT8PeerSession.Settings(chainHash: chain, queueLimit: queueLimit, initTimeout: .seconds(5),
                                                 pingInterval: .seconds(2), pongTimeout: .seconds(3))
        var session = BOLT8PeerSession(role: .responder, localStatic: rNode.publicKey, ephemeral: ephemeral, settings: settings)
        var now = LightningFuzz.epoch
        var transport: BOLT8Transport
        do {
            let actOne = try BOLT8Fuzz.pump(try initiator.start(), &initiator, iNode).send
            _ = try answer(try session.receive(actOne, now: now), &session, rNode, now)
            let three = try BOLT8Fuzz.pump(try initiator.receive(session.takePackets().flatMap(\.bytes)), &initiator, iNode)
            let events = try answer(try session.receive(three.send, now: now), &session, rNode, now)
            let id = Hex.encode(iNode.publicKey.serialized(compressed: true))
            FuzzTargets.check(events == [.handshakeComplete(peerID: id)], "fixed-key handshake gave \(events)")
            guard let done = three.transport else { return FuzzTargets.check(false, "initiator did not complete") }
            transport = done
        } catch {
            return FuzzTargets.check(false, "fixed-key handshake failed: \(error)")
        }
        let peer = session.peerID ?? ""
        var altnet = AltnetSession(limits: limits)
        var altnetClosed = false
        var failure: LinkError?
        var readySeen = false
        var unwritten: [BOLT8PeerSession.OutgoingPacket] = []
        while !input.isEmpty {
            let kind = input.byte() % 8
            if kind == 6 {
                now = now.advanced(by: .milliseconds(input.u16() * 4))
                let decision = session.tick(now: now)
                if case .disconnect(let reason) = decision {
                    FuzzTargets.check(failure == nil || failure == reason, "tick changed the reason \(String(describing: failure)) to \(reason)")
                    failure = reason
                }
                if !altnetClosed { checkDrops(altnet.expire(now: now)) }
            } else if kind == 7 {
                unwritten += session.takePackets()
                let count = min(unwritten.count, Int(input.byte()))
                let taken = unwritten.prefix(count)
                unwritten.removeFirst(count)
                for packet in taken { session.didWrite(packet.messageBytes) }
                readBack(taken.flatMap(\.bytes), &transport)
            } else {
                let bytes = kind == 5 ? input.take(Int(input.byte())) : sealed(kind, &input, &transport)
                for chunk in FuzzSplit.chunks(bytes, seed: input.byte()) {
                    let wasReady = session.initReceived
                    do throws(LinkError) {
                        let events = try session.receive(Array(chunk), now: now)
                        FuzzTargets.check(failure == nil, "a failed session took input")
                        for event in events {
                            switch event {
                            case .ready:
                                FuzzTargets.check(!readySeen && !wasReady, "ready twice")
                                readySeen = true
                            case .message(let message):
                                FuzzTargets.check(AltnetWire.isAltnet(type: message.type), "type \(message.type) handed up")
                                guard !altnetClosed else { continue }
                                altnet.connect(peer, altnet: true)
                                do throws(AltnetMessageError) {
                                    checkDrops(try altnet.receive(message, from: peer, now: now).filter {
                                        if case .dropped = $0 { true } else { false }
                                    })
                                } catch {
                                    FuzzTargets.check(error.action == .disconnect, "a drop thrown as a violation: \(error)")
                                    altnetClosed = true
                                }
                            default:
                                break
                            }
                        }
                    } catch {
                        FuzzTargets.check(failure == nil || failure == error, "reason changed from \(String(describing: failure)) to \(error)")
                        failure = error
                    }
                    FuzzTargets.check(session.queuedBytes <= queueLimit + BOLT8PeerSession.controlAllowance,
                                      "\(session.queuedBytes) bytes queued")
                    FuzzTargets.check(altnet.bufferedBytes(from: peer) <= limits.maxBufferedBytes, "reassembly over its limit")
                }
            }
        }
    }

    /// One message sealed by the initiator: kinds 0 to 4 as ``run(_:)`` lists them.
    static func sealed(_ kind: UInt8, _ input: inout FuzzInput, _ transport: inout BOLT8Transport) -> [UInt8] {
        let message: BOLT1Message
        switch kind {
        case 0:
            let flags = input.byte()
            let features = input.take(Int(input.byte() % 64))
            message = .initMessage(InitMessage(features: features, networks: flags & 1 == 0 ? [chain] : [input.take(32)]))
        case 1: message = .ping(Ping(numPongBytes: UInt16(truncatingIfNeeded: input.u16() * 2), ignoredLength: Int(input.byte())))
        case 2: message = .pong(Pong(length: Int(input.byte())))
        case 3:
            let type = input.byte() & 1 == 0 ? AltnetWire.messageType : AltnetWire.fragmentType
            message = .custom(type: type, payload: input.take(input.u16() % 4096))
        default:
            let type = UInt16(truncatingIfNeeded: input.u16())
            let payload = input.take(Int(input.byte()))
            guard var wire = try? BOLT1Message.custom(type: 0, payload: payload).encoded() else { return [] }
            wire[0] = UInt8(type >> 8)
            wire[1] = UInt8(type & 0xFF)
            return (try? transport.encrypt(wire)) ?? []
        }
        guard let wire = try? message.encoded() else { return [] }
        return (try? transport.encrypt(wire)) ?? []
    }

    /// What the session wrote must decrypt and decode: init, ping, pong only.
    static func readBack(_ bytes: [UInt8], _ transport: inout BOLT8Transport) {
        transport.feed(bytes)
        do throws(BOLT8Error) {
            while let wire = try transport.nextMessage() {
                let decoded = try? BOLT1Message.decode(wire)
                switch decoded {
                case .initMessage?, .ping?, .pong?: break
                default: FuzzTargets.check(false, "the session wrote \(String(describing: decoded))")
                }
            }
        } catch {
            FuzzTargets.check(false, "the session wrote bytes that do not decrypt: \(error)")
        }
    }

    static func checkDrops(_ events: [AltnetSessionEvent]) {
        for case .dropped(_, let error) in events {
            FuzzTargets.check(error.action == .dropMessage, "a drop asks to disconnect: \(error)")
        }
    }

    /// Answers the session's ECDH requests with the fixed responder key.
    static func answer(_ events: [BOLT8PeerEvent], _ session: inout BOLT8PeerSession, _ node: LocalNodeKey,
                       _ now: ContinuousClock.Instant) throws -> [BOLT8PeerEvent] {
        var out: [BOLT8PeerEvent] = []
        for event in events {
            if case .needStaticECDH(let point) = event {
                out += try answer(try session.resume(staticECDH: try node.ecdhSync(point), now: now), &session, node, now)
            } else {
                out.append(event)
            }
        }
        return out
    }
}
