import Foundation

/// One received protocol line, classified. The params or result are decoded on demand into the
/// type the method calls for, from the original bytes (no intermediate tree).
public struct RPCFrame: Sendable {
    /// What the line is.
    public enum Kind: Sendable, Hashable {
        /// A request that expects an answer.
        case request(id: RPCID, method: String)
        /// A notification (no id, no answer).
        case notification(method: String)
        /// A successful answer to request `id`.
        case result(id: RPCID)
        /// An error answer; `id` is nil when the receiver could not read the request's id.
        case error(id: RPCID?, DriverProtocolError)
    }

    public let kind: Kind
    /// The line as received, newline excluded; for a binary frame, its JSON header.
    public let bytes: [UInt8]
    /// Where `params` (requests, notifications) or `result` (answers) lies in `bytes`.
    let member: Range<Int>?
    /// A binary frame's payload section (``BinaryFrame``); nil for a JSON line.
    public let payloads: ArraySlice<UInt8>?

    init(kind: Kind, bytes: [UInt8], member: Range<Int>?, payloads: ArraySlice<UInt8>? = nil) {
        self.kind = kind
        self.bytes = bytes
        self.member = member
        self.payloads = payloads
    }

    /// How the message came: a JSON line or a binary frame.
    public var framing: DriverFraming { payloads == nil ? .json : .binary }

    /// A decoder for the member: a binary frame's payload section goes along, so a P2P
    /// message's `payload_bin` reads from it.
    private func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        if let payloads { decoder.userInfo[PayloadSection.key] = PayloadSection(bytes: payloads) }
        return decoder
    }

    /// The method name for requests and notifications.
    public var method: String? {
        switch kind {
        case .request(_, let method), .notification(let method): method
        default: nil
        }
    }

    /// Decodes the `params` member.
    /// - Parameter type: the params type of the method.
    /// - Returns: the params; an absent `params` decodes as an empty object.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams` naming the method and the problem.
    public func params<P: Decodable>(as type: P.Type) throws(DriverProtocolError) -> P {
        do {
            guard let member else { return try decoder().decode(P.self, from: Data("{}".utf8)) }
            return try decoder().decode(P.self, from: Data(bytes[member]))
        } catch {
            throw DriverProtocolError(.invalidParams, "invalid params for \(method ?? "?"): \(Self.describe(error))")
        }
    }

    /// Decodes the `result` member of a successful answer.
    /// - Parameter type: the result type of the method that was called.
    /// - Returns: the result.
    /// - Throws: ``DriverProtocolError`` of kind `invalidParams` when the result has the wrong shape.
    public func result<R: Decodable>(as type: R.Type) throws(DriverProtocolError) -> R {
        do {
            guard case .result = kind, let member else {
                throw DriverProtocolError(.invalidParams, "not a result")
            }
            return try decoder().decode(R.self, from: Data(bytes[member]))
        } catch {
            throw DriverProtocolError(.invalidParams, "invalid result: \(Self.describe(error))")
        }
    }

    /// Shortens a `DecodingError` to the path and the reason.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? Swift.DecodingError else { return "\(error)" }
        func path(_ context: Swift.DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return "\(decoding)"
        }
    }
}

