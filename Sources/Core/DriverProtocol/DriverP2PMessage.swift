import BitcoinPrimitives

/// A Bitcoin P2P message: its command name and its payload (the bytes after the v1 header).
///
/// On a JSON line the payload is hex (`"payload"`); in a binary frame it is raw bytes in the
/// frame's payload section (`"payload_bin": [offset, length]`, ``BinaryFrame``). The value keeps
/// whichever form it was made from and converts only when asked for the other: a message read
/// from a binary frame and written to another never goes through hex.
public struct DriverP2PMessage: Codable, Sendable, Hashable {
    public var command: String
    private var storage: Storage

    private enum Storage: Sendable {
        case hex(String)
        case bytes([UInt8])
    }

    /// - Parameters:
    ///   - command: the v1 command name.
    ///   - payload: the payload as hex.
    public init(command: String, payload: String) {
        self.command = command
        self.storage = .hex(payload)
    }

    /// - Parameters:
    ///   - command: the v1 command name.
    ///   - payloadBytes: the payload.
    public init(command: String, payloadBytes: [UInt8]) {
        self.command = command
        self.storage = .bytes(payloadBytes)
    }

    /// The payload as hex (encoded on demand when the message holds bytes).
    public var payload: String {
        get {
            switch storage {
            case .hex(let hex): hex
            case .bytes(let bytes): Hex.encode(bytes)
            }
        }
        set { storage = .hex(newValue) }
    }

    /// The payload's bytes (decoded on demand when the message holds hex).
    /// - Parameter field: the field name for the error.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams` when the hex is malformed.
    public func payloadBytes(field: String = "payload") throws(DriverProtocolError) -> [UInt8] {
        switch storage {
        case .hex(let hex): try Hex.decode(hex, field: field)
        case .bytes(let bytes): bytes
        }
    }

    /// The payload's length as hex characters (what it costs on a JSON line), without converting.
    public var payloadHexCount: Int {
        switch storage {
        case .hex(let hex): hex.utf8.count
        case .bytes(let bytes): bytes.count * 2
        }
    }

    public static func == (lhs: DriverP2PMessage, rhs: DriverP2PMessage) -> Bool {
        guard lhs.command == rhs.command else { return false }
        switch (lhs.storage, rhs.storage) {
        case (.hex(let a), .hex(let b)) where a == b: return true
        case (.bytes(let a), .bytes(let b)): return a == b
        default:
            guard let a = try? lhs.payloadBytes(), let b = try? rhs.payloadBytes() else { return false }
            return a == b
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(command)
        if let bytes = try? payloadBytes() { hasher.combine(bytes) } else { hasher.combine(payload) }
    }

    enum CodingKeys: String, CodingKey {
        case command, payload
        case payloadBin = "payload_bin"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(String.self, forKey: .command)
        if let hex = try container.decodeIfPresent(String.self, forKey: .payload) {
            guard !container.contains(.payloadBin) else {
                throw Swift.DecodingError.dataCorruptedError(forKey: .payloadBin, in: container, debugDescription: "both payload and payload_bin")
            }
            storage = .hex(hex)
            return
        }
        guard let range = try container.decodeIfPresent([Int].self, forKey: .payloadBin) else {
            throw Swift.DecodingError.keyNotFound(CodingKeys.payload, .init(codingPath: container.codingPath, debugDescription: "no payload"))
        }
        guard let section = decoder.userInfo[PayloadSection.key] as? PayloadSection else {
            throw Swift.DecodingError.dataCorruptedError(forKey: .payloadBin, in: container, debugDescription: "payload_bin outside a binary frame")
        }
        storage = .bytes(try section.payload(range, codingPath: container.codingPath + [CodingKeys.payloadBin]))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        if let sink = encoder.userInfo[PayloadSink.key] as? PayloadSink {
            switch storage {
            case .bytes(let bytes): try container.encode(sink.add(bytes), forKey: .payloadBin)
            case .hex(let hex):
                guard let bytes = try? Hex.decode(hex) else {
                    // Not hex: it cannot be raw bytes; written as it is, the receiver refuses it.
                    try container.encode(hex, forKey: .payload)
                    return
                }
                try container.encode(sink.add(bytes), forKey: .payloadBin)
            }
        } else {
            try container.encode(payload, forKey: .payload)
        }
    }

    /// Checks the command's form and the payload's hex.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams`.
    public func validate() throws(DriverProtocolError) {
        try DriverP2PMessage.validate(command: command)
        if case .hex(let hex) = storage { try Hex.validate(hex, field: "payload") }
    }

    /// Commands are 1 to 12 characters of lowercase letters and digits.
    static func validate(command: String) throws(DriverProtocolError) {
        let ok = !command.isEmpty && command.utf8.count <= DriverProtocolLimits.maxCommandLength
            && command.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
        guard ok else {
            throw DriverProtocolError(.invalidParams, "command \"\(command.prefix(20))\" must be 1-12 characters of a-z 0-9")
        }
    }
}
