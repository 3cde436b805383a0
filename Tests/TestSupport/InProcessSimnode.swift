import BitcoindRPC
import Simnode

/// A simnode in this process, in a temporary data directory, for one test: started, lent to
/// `body` with an RPC client on its cookie, and shut down, its client closed and its directory
/// removed once `body` returns or throws (awaited, not left to a detached task).
public struct InProcessSimnode: Sendable {
    public let server: SimnodeServer
    public let dir: TempDir
    /// A client with simnode's cookie.
    public let rpc: BitcoindRPCClient

    /// The cookie file's path.
    public var cookiePath: String { dir.path + "/regtest/.cookie" }

    /// Runs `body` against a fresh simnode.
    /// - Parameters:
    ///   - configure: changes to the default configuration (P2P, ZMQ, Core version, ...).
    ///   - body: the test.
    /// - Returns: what `body` returns.
    /// - Throws: what starting simnode or `body` throws.
    public static func with<T: Sendable>(
        _ configure: (inout SimnodeServer.Configuration) -> Void = { _ in },
        _ body: (InProcessSimnode) async throws -> T
    ) async throws -> T {
        let dir = try TempDir(prefix: "altnet-simnode")
        var configuration = SimnodeServer.Configuration(datadir: dir.path)
        configure(&configuration)
        let server: SimnodeServer
        do {
            server = try await SimnodeServer.start(configuration)
        } catch {
            dir.cleanup()
            throw error
        }
        let credentials: RPCCredentials =
            if let user = configuration.rpcUser, let password = configuration.rpcPassword {
                .userPassword(user: user, password: password)
            } else {
                .cookieFile(dir.path + "/regtest/.cookie")
            }
        let node = InProcessSimnode(server: server, dir: dir, rpc: BitcoindRPCClient(.init(port: server.rpcPort, credentials: credentials)))
        do {
            let result = try await body(node)
            await node.stop()
            return result
        } catch {
            await node.stop()
            throw error
        }
    }

    private func stop() async {
        await rpc.close()
        await server.shutdown()
        dir.cleanup()
    }
}
