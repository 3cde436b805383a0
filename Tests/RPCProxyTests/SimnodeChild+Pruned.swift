import BitcoindRPC
import Foundation
import TestSupport

/// TestSupport's simnode subprocess as the proxy tests use it: 20 blocks, data below height 10 pruned.
extension SimnodeChild {
    /// Starts simnode (no ZMQ, 8 RPC connections) in a temporary directory, then generates 20
    /// blocks and prunes below 10.
    static func startPruned(coreVersion: Int? = nil) async throws -> SimnodeChild {
        var options = Options()
        options.zmq = false
        options.rpcMaxConnections = 8
        if let coreVersion { options.extra += ["--core-version", String(coreVersion)] }
        let child = try await start(temporary: "rpcproxy", options)
        do {
            let _: [String] = try await child.rpc.call("simgenerate", [20])
            let _: Int = try await child.rpc.call("simprune", [10])
        } catch {
            await child.stop()
            throw error
        }
        return child
    }

    /// simnode's cookie as a Basic Authorization header, for calling it directly.
    func authorization() throws -> String {
        RawHTTP.basic(try String(contentsOfFile: cookiePath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
