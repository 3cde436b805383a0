import Foundation
import JSON
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A JSON-RPC client for bitcoind (v26 and later) over HTTP/1.1 keep-alive.
///
/// Calls are typed (see `BitcoindRPCClient+*.swift`); failures are ``BitcoindRPCError`` with a
/// ``BitcoindRPCError/kind``. The client re-reads the cookie file when bitcoind answers 401
/// (bitcoind writes a new cookie on each start) and retries once; a request on a pooled
/// connection that the server closed meanwhile is retried once on a fresh connection.
public final class BitcoindRPCClient: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var credentials: RPCCredentials
        /// Time for a complete reply, per request.
        public var requestTimeout: Duration = .seconds(30)
        public var connectTimeout: Duration = .seconds(5)
        /// Largest reply body accepted; larger replies fail with ``BitcoindRPCError/Reason/responseTooLarge(limit:)``.
        public var maxResponseBytes = 64 << 20
        /// Idle keep-alive connections kept.
        public var maxIdleConnections = 4
        /// Requests in flight at once; more wait (bitcoind's default -rpcthreads is 4).
        public var maxConnections = 4

        public init(host: String = "127.0.0.1", port: Int, credentials: RPCCredentials) {
            self.host = host
            self.port = port
            self.credentials = credentials
        }
    }

    public let configuration: Configuration
    private let pool: ConnectionPool
    let credentials: CredentialCache
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: where bitcoind is and how to authenticate.
    ///   - logger: for retries and reconnects (debug level).
    public init(_ configuration: Configuration, logger: Logger = Logger(label: "bitcoind-rpc")) {
        self.configuration = configuration
        self.credentials = CredentialCache(configuration.credentials)
        self.logger = logger
        self.pool = ConnectionPool(
            host: configuration.host, port: configuration.port, maxIdle: configuration.maxIdleConnections,
            maxConnections: configuration.maxConnections,
            connectTimeout: Self.timeAmount(configuration.connectTimeout),
            responseLimit: configuration.maxResponseBytes, group: MultiThreadedEventLoopGroup.singleton)
    }

    /// Closes pooled connections.
    public func close() async { await pool.closeAll() }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (s, atto) = d.components
        return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }

    // MARK: Calls

    /// Calls a method and decodes its result.
    /// - Parameters:
    ///   - method: the RPC method.
    ///   - params: positional parameters.
    ///   - type: the result type.
    /// - Returns: the decoded result.
    /// - Throws: ``BitcoindRPCError``.
    public func call<T: Decodable & Sendable>(
        _ method: String, _ params: [JSONValue] = [], as type: T.Type = T.self
    ) async throws(BitcoindRPCError) -> T {
        let id = await pool.makeID()
        let body = RPCRequestBody.single(method: method, params: params, id: id)
        let response = try await send(body, method: method)
        do {
            return try RPCEnvelope<T>.decodeResult(response, method: method)
        } catch {
            throw error.with(method: method)
        }
    }

    /// Calls a method whose result is ignored (null or `{}`), checking only for errors.
    public func callIgnoringResult(_ method: String, _ params: [JSONValue] = []) async throws(BitcoindRPCError) {
        let _: RPCIgnored = try await call(method, params)
    }

    /// Sends several calls of one method in one HTTP request (a JSON-RPC batch).
    /// - Parameters:
    ///   - method: the method for every call.
    ///   - paramsList: the parameters of each call.
    /// - Returns: one result per call, in order; an error in one call does not fail the others.
    /// - Throws: ``BitcoindRPCError`` when the batch as a whole fails (connection, HTTP, JSON).
    public func batch<T: Decodable & Sendable>(
        _ method: String, _ paramsList: [[JSONValue]], as type: T.Type = T.self
    ) async throws(BitcoindRPCError) -> [Result<T, BitcoindRPCError>] {
        var ids: [Int] = []
        for _ in paramsList { ids.append(await pool.makeID()) }
        let body = RPCRequestBody.batch(method: method, paramsList: paramsList, ids: ids)
        let response = try await send(body, method: method)
        return try RPCEnvelope<T>.decodeBatch(response, ids: ids, method: method)
    }

    // MARK: Transport

    /// Sends one HTTP request with authentication, re-reading the cookie once on 401 and
    /// retrying once on a stale pooled connection.
    func send(_ body: [UInt8], method: String) async throws(BitcoindRPCError) -> RPCHTTPResponse {
        try await send(ByteBuffer(bytes: body), method: method)
    }

    /// ``send(_:method:)`` for a body already in a buffer (forwarded as is, never re-encoded).
    func send(_ body: ByteBuffer, method: String, uri: String = "/") async throws(BitcoindRPCError) -> RPCHTTPResponse {
        var refreshedCredentials = false
        var retriedStale = false
        while true {
            let auth: String
            do {
                auth = try await credentials.authorization()
            } catch {
                throw error.with(method: method)
            }
            let channel: any Channel
            let reused: Bool
            do {
                (channel, reused) = try await pool.acquire()
            } catch {
                throw error.with(method: method)
            }
            let response: RPCHTTPResponse
            do {
                response = try await exchange(channel, body: body, authorization: auth, uri: uri)
            } catch {
                await pool.release(channel, reusable: false)
                if reused && !retriedStale && error.reason == .connectionClosed {
                    retriedStale = true
                    logger.debug("pooled connection was closed; retrying \(method) on a new one")
                    continue
                }
                throw error.with(method: method)
            }
            await pool.release(channel, reusable: response.keepAlive)
            if response.status == 401 {
                if !refreshedCredentials, await credentials.refresh() {
                    refreshedCredentials = true
                    logger.debug("bitcoind answered 401; re-read the cookie, retrying \(method)")
                    continue
                }
                throw BitcoindRPCError(.unauthorized, method: method)
            }
            return response
        }
    }

    private func exchange(_ channel: any Channel, body: ByteBuffer, authorization: String, uri: String) async throws(BitcoindRPCError) -> RPCHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(configuration.host):\(configuration.port)")
        headers.add(name: "Authorization", value: authorization)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "keep-alive")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
        let promise = channel.eventLoop.makePromise(of: RPCHTTPResponse.self)
        let request = RPCHTTPRequest(
            head: head, body: body, promise: promise,
            timeout: Self.timeAmount(configuration.requestTimeout))
        channel.writeAndFlush(request).whenFailure { error in
            promise.fail(error as? BitcoindRPCError ?? BitcoindRPCError(.connectionClosed))
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as BitcoindRPCError {
            throw error
        } catch {
            throw BitcoindRPCError(.connectionClosed)
        }
    }
}

