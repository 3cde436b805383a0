import LightningAltnetMessages

/// altnet messages written byte by byte from docs/lightning-messages.md, so tests can send
/// what no encoder would.
enum Fragments {
    /// An `altnet_fragment`: message_id, total_length, offset (u32 big-endian each), data.
    static func fragment(id: UInt32, total: UInt32, offset: UInt32, data: [UInt8]) -> LightningMessage {
        var payload: [UInt8] = []
        for value in [id, total, offset] {
            payload += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        return LightningMessage(type: AltnetWire.fragmentType, payload: payload + data)
    }

    /// A body: command length, command, payload.
    static func body(_ command: String, _ payload: [UInt8]) -> [UInt8] {
        [UInt8(command.utf8.count)] + Array(command.utf8) + payload
    }

    /// A message split into fragments of `size` body bytes each, with their offsets.
    static func split(id: UInt32, _ command: String, _ payload: [UInt8], size: Int) -> [LightningMessage] {
        let body = body(command, payload)
        return stride(from: 0, to: body.count, by: size).map { offset in
            fragment(id: id, total: UInt32(body.count), offset: UInt32(offset),
                     data: Array(body[offset..<min(offset + size, body.count)]))
        }
    }
}
