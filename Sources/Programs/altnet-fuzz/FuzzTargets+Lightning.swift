import LightningAltnetMessages

/// The altnet Lightning message types (42001 whole, 42003 fragments): what a peer can make the
/// reassembler hold, and the encoder/reassembler round trip.
enum LightningFuzz {
    typealias Reassembler = AltnetReassembler<ContinuousClock.Instant>
    static let epoch = ContinuousClock.now
    static let commands = ["getheaders", "headers", "getdata", "block", "tx", "notfound", "ping", "x"]

    /// Selector 8: a limits byte, then records. Each record is one Lightning message (whole
    /// altnet message, fragment with fields from the input, raw payload of either type, another
    /// type), a clock step with `expire`, or an encoder round trip. After every step the held
    /// bytes must stay within the limits, whatever the peer sent.
    static func reassembler(_ input: inout FuzzInput) {
        let shape = input.byte()
        let limits = shape & 1 == 0
            ? AltnetReassemblyLimits()
            : AltnetReassemblyLimits(
                maxMessagesInFlight: 1 + Int(shape >> 1 & 3), maxBufferedBytes: 64 + Int(shape >> 3) * 97,
                maxBodyLength: 32 + Int(shape >> 4) * 211, reassemblyTimeout: .seconds(5),
                acceptedCommands: shape & 0x80 == 0 ? AltnetMessage.altnetCommands : nil, rememberedDroppedIDs: 2)
        var r = Reassembler(limits: limits)
        var now = epoch
        while !input.isEmpty {
            let kind = input.byte()
            switch kind % 6 {
            case 0: deliver(&r, LightningMessage(type: AltnetWire.messageType, payload: input.take(input.u16() % 2048)), now)
            case 1:
                var payload: [UInt8] = []
                for field in [UInt32(input.byte() % 4), UInt32(input.u16()), UInt32(input.u16())] {
                    payload += [UInt8(field >> 24 & 0xFF), UInt8(field >> 16 & 0xFF), UInt8(field >> 8 & 0xFF), UInt8(field & 0xFF)]
                }
                payload += input.take(Int(input.byte()) * 4)
                deliver(&r, LightningMessage(type: AltnetWire.fragmentType, payload: payload), now)
            case 2: deliver(&r, LightningMessage(type: AltnetWire.fragmentType, payload: input.take(input.u16() % 2048)), now)
            case 3: deliver(&r, LightningMessage(type: UInt16(truncatingIfNeeded: input.u16()), payload: input.take(Int(input.byte()))), now)
            case 4:
                now = now.advanced(by: .seconds(Int(input.byte() % 8)))
                for error in r.expire(now: now) {
                    FuzzTargets.check(error.action == .dropMessage, "expiry asks to disconnect: \(error)")
                }
                checkBounds(r)
            default:
                roundTrip(&input)
            }
        }
    }

    static func deliver(_ r: inout Reassembler, _ message: LightningMessage, _ now: ContinuousClock.Instant) {
        do throws(AltnetMessageError) {
            let outcome = try r.receive(message, now: now)
            if case .complete(let m) = outcome {
                FuzzTargets.check(!m.command.isEmpty && m.command.utf8.count <= AltnetMessage.maxCommandLength,
                                  "reassembled command \(m.command) is not 1 to 12 bytes")
                FuzzTargets.check(1 + m.command.utf8.count + m.payload.count <= r.limits.maxBodyLength || message.type == AltnetWire.messageType,
                                  "reassembled a message longer than the limit")
            }
            if case .notAltnet = outcome {
                FuzzTargets.check(!AltnetWire.isAltnet(type: message.type), "altnet type \(message.type) reported as not altnet")
            }
        } catch {
            _ = error.description
        }
        checkBounds(r)
    }

    static func checkBounds(_ r: Reassembler) {
        FuzzTargets.check(r.messagesInFlight <= r.limits.maxMessagesInFlight, "\(r.messagesInFlight) messages in flight")
        FuzzTargets.check(r.bufferedByteCount <= r.reservedByteCount, "buffered \(r.bufferedByteCount) > reserved \(r.reservedByteCount)")
        FuzzTargets.check(r.reservedByteCount <= r.limits.maxBufferedBytes, "reserved \(r.reservedByteCount) beyond the limit")
    }

    /// A message from the input (its payload a repeated pattern up to 128 KiB, so that it is
    /// fragmented) encoded with a fragment size from the input: a fresh reassembler must return it.
    static func roundTrip(_ input: inout FuzzInput) {
        let command = commands[Int(input.byte()) % commands.count]
        let fragmentSize = input.u16()
        let length = input.u16() * 2
        let pattern = input.take(Int(input.byte()) + 1)
        var payload: [UInt8] = []
        if !pattern.isEmpty {
            payload.reserveCapacity(length)
            while payload.count < length { payload += pattern.prefix(length - payload.count) }
        }
        guard let message = try? AltnetMessage(command: command, payload: payload) else { return }
        var encoder = AltnetEncoder(firstMessageID: UInt32(fragmentSize), fragmentDataSize: fragmentSize)
        var r = Reassembler(limits: AltnetReassemblyLimits(acceptedCommands: nil))
        var completed: [AltnetMessage] = []
        for part in encoder.encode(message) {
            FuzzTargets.check(part.wireSize <= LightningMessage.maxWireSize, "encoder made a \(part.wireSize)-byte Lightning message")
            do throws(AltnetMessageError) {
                if case .complete(let m) = try r.receive(part, now: epoch) { completed.append(m) }
            } catch {
                FuzzTargets.check(false, "reassembler refused the encoder's output: \(error)")
            }
        }
        FuzzTargets.check(completed == [message], "encoder/reassembler round trip lost \(message)")
    }
}
