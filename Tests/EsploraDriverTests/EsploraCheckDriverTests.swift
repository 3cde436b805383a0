import Foundation
import Testing
import TestSupport

/// `altnet-harness check-driver` (the conformance suite) on the real executable, its `--url`
/// pointing at an Esplora-API server backed by a simnode (regtest, as check-driver's init says).
@Suite(.serialized) struct EsploraCheckDriverTests {
    /// A simnode with `blocks` mined and an Esplora-API server in front of it.
    static func simnodeServer(blocks: Int) async throws -> (SimnodeChild, JSONLinesChild, String) {
        let node = try await SimnodeChild.start(temporary: "esplora", .init(zmq: false))
        do {
            let _: [String] = try await node.rpc.call("simgenerate", [.int(blocks)])
            let (server, url) = try await EsploraFixture.server(
                ["--simnode-rpc", "http://127.0.0.1:\(node.rpcPort)/", "--cookie", node.cookiePath])
            return (node, server, url)
        } catch {
            node.kill()
            throw error
        }
    }

    @Test func harnessCheckDriverPasses() async throws {
        let (node, server, url) = try await Self.simnodeServer(blocks: 20)
        defer {
            server.kill()
            node.kill()
        }
        let driver = try BuiltProduct.path("altnet-driver-esplora")
        let harness = try BuiltProduct.path("altnet-harness")
        let (status, output) = try await offPool { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness)
            process.arguments = ["check-driver", driver, "--url", url, "--timeout", "5"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        print(output)
        #expect(status == 0, "check-driver failed:\n\(output)")
        #expect(output.contains("PASS  peer-addressing: 1 listed peer(s) answered getheaders by id"), "\(output)")
        #expect(output.contains("PASS  unknown-peer"), "\(output)")
        #expect(output.contains("all ") && output.contains("checks passed"), "\(output)")
    }
}
