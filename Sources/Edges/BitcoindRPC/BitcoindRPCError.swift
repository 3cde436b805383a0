/// Everything that can go wrong talking to bitcoind, with what the caller should do about it.
///
/// A struct over a reason enum (as swift-nio's errors) so new reasons can be added; the
/// transient/persistent decision is made in one place, ``kind`` (see
/// `BitcoindRPCError+Kind.swift`), never by parsing messages.
public struct BitcoindRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the call failed.
    public enum Reason: Sendable, Equatable {
        /// No TCP connection could be made (bitcoind down or restarting).
        case connectionRefused(String)
        /// The connection closed before a complete reply.
        case connectionClosed
        /// No complete reply within the configured time.
        case timeout(seconds: Double)
        /// HTTP 401 even after re-reading the cookie file: wrong rpcuser/rpcpassword or cookie.
        case unauthorized
        /// The cookie file could not be read (bitcoind not yet started, or a wrong path).
        case credentialsUnavailable(String)
        /// An HTTP status without a JSON-RPC error body (403, 405, 503 "work queue depth exceeded", ...).
        case httpStatus(Int, String)
        /// The reply body exceeded the client's limit; the connection was dropped without reading it all.
        case responseTooLarge(limit: Int)
        /// The reply was not the JSON-RPC we expect (bad JSON, missing result, wrong types, bad hex).
        case malformedResponse(String)
        /// bitcoind answered with a JSON-RPC error: code (src/rpc/protocol.h) and message.
        case rpc(code: Int, message: String)
    }

    public let reason: Reason
    /// The method called, when known.
    public let method: String?

    public init(_ reason: Reason, method: String? = nil) {
        self.reason = reason
        self.method = method
    }

    /// bitcoind's error code, for ``Reason/rpc(code:message:)``.
    public var rpcCode: Int? {
        if case .rpc(let code, _) = reason { return code }
        return nil
    }

    func with(method: String) -> BitcoindRPCError { BitcoindRPCError(reason, method: self.method ?? method) }

    public var description: String {
        let prefix = method.map { "bitcoind RPC \($0): " } ?? "bitcoind RPC: "
        switch reason {
        case .connectionRefused(let d): return prefix + "cannot connect (\(d))"
        case .connectionClosed: return prefix + "connection closed before a complete reply"
        case .timeout(let s): return prefix + "no reply within \(s) s"
        case .unauthorized: return prefix + "HTTP 401 unauthorized (check rpcuser/rpcpassword or the cookie file)"
        case .credentialsUnavailable(let d): return prefix + "credentials unavailable: \(d)"
        case .httpStatus(let s, let body): return prefix + "HTTP \(s)" + (body.isEmpty ? "" : ": \(body)")
        case .responseTooLarge(let limit): return prefix + "reply larger than the \(limit)-byte limit"
        case .malformedResponse(let d): return prefix + "malformed reply: \(d)"
        case .rpc(let code, let message): return prefix + "error \(code): \(message)"
        }
    }
}

/// bitcoind's JSON-RPC error codes (src/rpc/protocol.h, RPCErrorCode) that callers test for.
public enum RPCErrorCode {
    public static let miscError = -1
    public static let typeError = -3
    public static let invalidAddressOrKey = -5
    public static let outOfMemory = -7
    public static let invalidParameter = -8
    public static let clientNotConnected = -9
    public static let clientInInitialDownload = -10
    public static let databaseError = -20
    public static let deserializationError = -22
    public static let verifyError = -25
    public static let verifyRejected = -26
    public static let verifyAlreadyInChain = -27
    public static let inWarmup = -28
    public static let methodDeprecated = -32
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let parseError = -32700
}
