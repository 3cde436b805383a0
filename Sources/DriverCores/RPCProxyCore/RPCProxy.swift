import BitcoinPrimitives
import BitcoindRPC
import GetBlockFromPeerDriverCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The JSON-RPC proxy's logic, without sockets: an HTTP request in, an HTTP reply out.
///
/// Every authorized call, single or batch, goes to bitcoind unchanged over a pool of keep-alive
/// connections and bitcoind's reply comes back unchanged. A `getblock` that bitcoind answers
/// with "block data missing" (see ``BitcoindErrorObject/meansBlockDataMissing``) is held: the block
/// is fetched from one of bitcoind's peers (``PeerBlockFetcher``: `getblockfrompeer`, concurrent
/// callers share one fetch) until it arrives or ``Configuration/fetchDeadline`` passes, then
/// the original call is sent again and bitcoind's answer, block or error, is returned.
public final class RPCProxy: Sendable {
    public struct Configuration: Sendable {
        /// How long a `getblock` is held while its block is fetched. Default 45 s: under Core
        /// Lightning's bcli `--bitcoin-retry-timeout` (60 s, plugins/bcli.c), so the caller
        /// gets bitcoind's error before it gives up on bitcoind altogether.
        public var fetchDeadline: Duration = .seconds(45)
        /// bitcoind's wait before answering 401 to a wrong password (src/httprpc.cpp).
        public var wrongPasswordDelay: Duration = .milliseconds(250)
        /// Largest reply searched for a `getblock` error: errors are tiny, blocks are not.
        public var inspectLimit = 64 << 10
        /// Block fetches one proxy user may have under way at once (`--fetches-per-user`): a
        /// batch of many pruned `getblock` calls starts this many, the others get bitcoind's
        /// own "block data missing" answer (issue 15).
        public var fetchesPerUser = 4
        /// altnetd's data directory (`--altnetd-datadir`): when set, every `sendrawtransaction`
        /// and `submitpackage` is mirrored into its emergency queue after bitcoind answered
        /// (``EmergencyMirror``). Nil (the default): no mirroring.
        public var altnetdDataDir: String?

        public init(fetchDeadline: Duration = .seconds(45)) { self.fetchDeadline = fetchDeadline }
    }

    /// An HTTP request as received.
    public struct Request: Sendable {
        public var isPost: Bool
        public var uri: String
        public var authorization: String?
        public var body: ByteBuffer

        public init(isPost: Bool = true, uri: String = "/", authorization: String?, body: ByteBuffer) {
            self.isPost = isPost
            self.uri = uri
            self.authorization = authorization
            self.body = body
        }
    }

    /// The HTTP reply to send.
    public struct Reply: Sendable {
        public var status: Int
        public var body: ByteBuffer
        public var headers: [(String, String)]

        public init(status: Int, body: ByteBuffer = ByteBuffer(), headers: [(String, String)] = []) {
            self.status = status
            self.body = body
            self.headers = headers
        }
    }

    public let configuration: Configuration
    let rpc: BitcoindRPCClient
    let fetcher: PeerBlockFetcher
    let authenticator: ProxyAuthenticator
    public let metrics: RPCProxyMetrics
    /// Mirrors transactions into altnetd's emergency queue (``Configuration/altnetdDataDir``).
    public let mirror: EmergencyMirror?
    let logger: Logger
    /// Fetches under way, by block: concurrent held calls share one.
    let inFlight = NIOLockedValueBox([BlockHash: Task<Void, Never>]())
    /// Blocks each proxy user is having fetched, with how many of its calls wait on each
    /// (distinct blocks bounded by ``Configuration/fetchesPerUser``).
    let fetchesByUser = NIOLockedValueBox([String: [BlockHash: Int]]())

    /// - Parameters:
    ///   - rpc: bitcoind (its pool carries the forwarded calls).
    ///   - fetcher: fetches missing blocks through bitcoind's peers.
    ///   - authenticator: the proxy's users and allowlists.
    ///   - configuration: deadlines.
    ///   - metrics: counters.
    ///   - logger: where refusals and fetches are logged.
    public init(
        rpc: BitcoindRPCClient, fetcher: PeerBlockFetcher, authenticator: ProxyAuthenticator,
        configuration: Configuration = .init(), metrics: RPCProxyMetrics = RPCProxyMetrics(),
        logger: Logger = Logger(label: "rpc-proxy")
    ) {
        self.rpc = rpc
        self.fetcher = fetcher
        self.authenticator = authenticator
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        mirror = configuration.altnetdDataDir.map { EmergencyMirror(dataDir: $0, registry: metrics.registry, logger: logger) }
    }

    /// What ``admit(_:)`` decided about a request before anything is sent to bitcoind.
    enum Admission {
        /// Refused at once (405, 401 for a missing header, 403): send this reply.
        case refused(Reply)
        /// A wrong user or password: answered 401 after bitcoind's delay (``handle(_:)``).
        case wrongPassword
        /// Authenticated and authorized; the calls are counted.
        case admitted(ProxyRequest, user: String)
    }

    /// The synchronous checks bitcoind makes before executing a request (src/httprpc.cpp
    /// HTTPReq_JSONRPC, in its order: POST only, authentication, then the allowlist), with
    /// their logs and counters. Runs on the connection's event loop without a task.
    /// - Parameters:
    ///   - request: the HTTP request.
    ///   - authenticated: the outcome of ``ProxyAuthenticator/authenticate(_:)`` for this
    ///     request's Authorization header when the caller already has it (the event-loop
    ///     handler decides it on the request head); nil checks the header here.
    /// - Returns: the refusal, or the request's calls (counted by method).
    func admit(_ request: Request, authenticated: ProxyAuthenticator.Outcome? = nil) -> Admission {
        guard request.isPost else {
            return .refused(Reply(status: 405, body: ByteBuffer(string: "JSONRPC server handles only POST requests"),
                                  headers: [("Content-Type", "text/html; charset=ISO-8859-1")]))
        }
        let user: String
        switch authenticated ?? authenticator.authenticate(request.authorization) {
        case .missing:
            metrics.refused(forbidden: false)
            return .refused(Self.unauthorized)
        case .wrong:
            metrics.refused(forbidden: false)
            logger.warning("incorrect password attempt")
            return .wrongPassword
        case .user(let name):
            user = name
        }
        let parsed = request.body.withUnsafeReadableBytes { ProxyRequest.read($0) }
        if let refusal = authorize(parsed, user: user) { return .refused(refusal) }
        for call in parsed.calls { metrics.request(call.method ?? "(none)") }
        return .admitted(parsed, user: user)
    }

    /// Answers one HTTP request.
    /// - Parameter request: method, path, Authorization header and body.
    /// - Returns: the reply: bitcoind's, or the proxy's own refusal in bitcoind's form.
    public func handle(_ request: Request) async -> Reply {
        switch admit(request) {
        case .refused(let reply):
            return reply
        case .wrongPassword:
            try? await Task.sleep(for: configuration.wrongPasswordDelay)
            return Self.unauthorized
        case .admitted(let parsed, let user):
            return await forward(parsed, request: request, user: user)
        }
    }

    /// Sends an admitted request to bitcoind through the shared pool, holding `getblock`
    /// calls whose block data is missing.
    /// - Parameters:
    ///   - parsed: the request's calls, from ``admit(_:)``.
    ///   - request: the HTTP request.
    ///   - user: the authenticated proxy user (fetches are bounded per user).
    /// - Returns: bitcoind's reply, or a 503 when bitcoind did not answer.
    func forward(_ parsed: ProxyRequest, request: Request, user: String) async -> Reply {
        let reply: ForwardedReply
        do {
            reply = try await rpc.forward(request.body, uri: request.uri, method: parsed.calls.first?.method ?? "request")
        } catch {
            metrics.bitcoindFailed()
            logger.error("bitcoind did not answer: \(error)")
            return Self.bitcoindUnavailable(error)
        }
        let final: ForwardedReply
        switch parsed {
        case .single(let call) where call.isGetBlock:
            final = await retryGetBlock(call, request: request, reply: reply, user: user)
        case .batch(let calls) where calls.contains(where: \.isGetBlock):
            final = await retryGetBlocks(calls, request: request, reply: reply, user: user)
        default:
            final = reply
        }
        mirrorTransactions(parsed, body: request.body)
        return Reply(status: final.status, body: final.body,
                     headers: final.body.readableBytes > 0 ? [("Content-Type", "application/json")] : [])
    }

    /// Hands the transactions of the request's `sendrawtransaction` and `submitpackage` calls
    /// to the mirror (queued, never awaited). Only those calls' params are read; with no
    /// mirror, or no such call, nothing is.
    /// - Parameters:
    ///   - parsed: the request's calls.
    ///   - body: the request body the calls point into.
    func mirrorTransactions(_ parsed: ProxyRequest, body: ByteBuffer) {
        guard let mirror, parsed.mayMirror else { return }
        body.withUnsafeReadableBytes { bytes in
            for call in parsed.calls where call.isMirrored {
                let method = call.method ?? ""
                guard let range = call.members?.params, range.upperBound <= bytes.count,
                      let txs = EmergencyMirror.transactions(method: method, params: Data(bytes[range]))
                else {
                    mirror.unreadable(method)
                    continue
                }
                mirror.mirror(txs)
            }
        }
    }

    /// bitcoind's allowlist checks (after parsing, before executing).
    /// - Returns: the 403 reply, or nil when every call may go.
    func authorize(_ request: ProxyRequest, user: String) -> Reply? {
        guard authenticator.isRestricted(user) else { return nil }
        guard authenticator.mayCallAnything(user) else {
            logger.warning("RPC user \(user) not allowed to call any methods")
            metrics.refused(forbidden: true)
            return Reply(status: 403)
        }
        let calls = request.calls
        // What this proxy cannot read the way bitcoind would (no method, escaped or repeated
        // keys, not JSON) is refused rather than forwarded with the proxy's own rights.
        let readable = !calls.isEmpty && calls.allSatisfy { $0.method != nil && $0.members?.ambiguousKey == false }
        if readable, let denied = calls.first(where: { !authenticator.permits(user, $0.method ?? "") }) {
            logger.warning("RPC user \(user) not allowed to call method \(denied.method ?? "")")
        } else if readable {
            return nil
        } else {
            logger.warning("RPC user \(user) sent a request whose methods cannot be checked")
        }
        metrics.refused(forbidden: true)
        return Reply(status: 403)
    }

    static let unauthorized = Reply(status: 401, headers: [("WWW-Authenticate", "Basic realm=\"jsonrpc\"")])

    /// A JSON-RPC 1.0 error reply (HTTP 503) for a bitcoind that did not answer.
    static func bitcoindUnavailable(_ error: BitcoindRPCError) -> Reply {
        let message = "altnet rpc proxy: bitcoind did not answer: \(error)"
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let body = "{\"result\":null,\"error\":{\"code\":-1,\"message\":\"\(message)\"},\"id\":null}\n"
        return Reply(status: 503, body: ByteBuffer(string: body), headers: [("Content-Type", "application/json")])
    }
}
