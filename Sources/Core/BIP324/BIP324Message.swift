import Foundation

/// One application message carried by BIP324: a command ("version", "headers", ...) and its
/// payload (the v1 message body, without v1's 24-byte header).
public struct BIP324Message: Equatable, Sendable {
    public var command: String
    /// The payload, without a copy: a received message's payload is a view into the buffer
    /// swift-crypto decrypted it into.
    public var payloadBytes: BIP324Payload

    /// The payload as an array. For a received message this copies it out of the decrypted
    /// buffer on every read: read it once, or use ``payloadBytes``.
    public var payload: [UInt8] {
        get { payloadBytes.array }
        set { payloadBytes = BIP324Payload(newValue) }
    }

    public init(command: String, payload: [UInt8]) {
        self.command = command
        self.payloadBytes = BIP324Payload(payload)
    }

    public init(command: String, payloadBytes: BIP324Payload) {
        self.command = command
        self.payloadBytes = payloadBytes
    }
}

/// A message payload: bytes indexed from 0, held either in an array (messages we build) or in
/// a slice of the buffer a packet was decrypted into (messages we receive), so that receiving
/// hands the caller the decrypted bytes where they lie instead of copying them.
public struct BIP324Payload: RandomAccessCollection, Equatable, Sendable, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        case array([UInt8])
        /// A slice: its indices start at `startIndex`, not 0.
        case data(Data)
    }

    let storage: Storage

    public init(_ bytes: [UInt8]) { storage = .array(bytes) }

    public init(arrayLiteral elements: UInt8...) { storage = .array(elements) }

    /// Wraps decrypted bytes (any `Data`, slices included) without copying them.
    public init(_ data: Data) { storage = .data(data) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .array(let bytes): bytes.count
        case .data(let data): data.count
        }
    }

    public subscript(position: Int) -> UInt8 {
        switch storage {
        case .array(let bytes): bytes[position]
        case .data(let data): data[data.startIndex + position]
        }
    }

    /// Lends the bytes as one contiguous buffer.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .array(let bytes): try bytes.withUnsafeBytes(body)
        case .data(let data): try data.withUnsafeBytes(body)
        }
    }

    /// The bytes as an array (no copy when they already are one).
    public var array: [UInt8] {
        switch storage {
        case .array(let bytes): bytes
        case .data(let data): data.withUnsafeBytes { [UInt8]($0) }
        }
    }

    public static func == (lhs: BIP324Payload, rhs: BIP324Payload) -> Bool {
        lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in l.count == r.count && l.elementsEqual(r) } }
    }
}
