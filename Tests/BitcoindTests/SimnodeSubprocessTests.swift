import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// Runs a process to completion off the cooperative pool.
/// - Returns: exit status, stdout and stderr.
func runProcess(_ arguments: [String]) async throws -> (status: Int32, out: Data, err: Data) {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errReader = DispatchQueue(label: "stderr")
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        errReader.async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, outData, errData)
    }
}

/// `altnet-harness simnode` as a real subprocess, driven by BitcoindRPC.
final class SimnodeProcess: @unchecked Sendable {
    let process = Process()
    let rpcPort: Int
    let zmqEndpoint: String

    /// The built altnet-harness: beside the test bundle, or $ALTNET_HARNESS.
    static var executable: URL {
        if let env = ProcessInfo.processInfo.environment["ALTNET_HARNESS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let beside = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("altnet-harness")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return testBinary.appendingPathComponent("altnet-harness")
    }

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    /// Starts simnode off the cooperative pool and waits for its "ports" line on stdout.
    /// - Parameters:
    ///   - datadir: the data directory.
    ///   - port: the RPC port, 0 for any free port.
    ///   - extra: more command-line arguments.
    static func start(datadir: String, port: Int = 0, extra: [String] = []) async throws -> SimnodeProcess {
        try await offPool { try SimnodeProcess(datadir: datadir, port: port, extra: extra) }
    }

    /// Starts simnode, blocking the calling thread until it reports its ports (prefer
    /// ``start(datadir:port:extra:)`` from async code).
    init(datadir: String, port: Int = 0, extra: [String] = []) throws {
        let exe = Self.executable
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw StartFailure(description: "altnet-harness not built at \(exe.path): run swift build first")
        }
        process.executableURL = exe
        process.arguments = [
            "simnode", "--datadir", datadir, "--rpcport", String(port), "--zmqpub", "tcp://127.0.0.1:0",
        ] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // One JSON line: {"rpcport":N,"zmq":"tcp://..."}
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
            line.append(out.fileHandleForReading.availableData)
        }
        struct Ports: Decodable { let rpcport: Int; let zmq: String }
        guard let ports = try? JSONDecoder().decode(Ports.self, from: line) else {
            process.terminate()
            throw StartFailure(description: "simnode did not report its ports: \(String(decoding: line, as: UTF8.self))")
        }
        rpcPort = ports.rpcport
        zmqEndpoint = ports.zmq
    }

    /// SIGKILL (no cleanup) and wait.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// SIGTERM and wait.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

@Suite(.serialized) struct SimnodeSubprocessTests {
    @Test func typedCallsAgainstTheRealSubprocess() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let node = try await SimnodeProcess.start(datadir: dir.path)
        defer { node.stop() }
        let cookiePath = dir.path + "/regtest/.cookie"
        let attributes = try FileManager.default.attributesOfItem(atPath: cookiePath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let cookie = try String(contentsOfFile: cookiePath, encoding: .utf8)
        #expect(cookie.hasPrefix("__cookie__:") && cookie.count == 11 + 64)

        let rpc = BitcoindRPCClient(.init(port: node.rpcPort, credentials: .cookieFile(cookiePath)))
        defer { Task { await rpc.close() } }
        let hashes: [String] = try await rpc.call("generatetoaddress", [3, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"])
        let best = try await rpc.getBestBlockHash()
        #expect(best.displayHex == hashes[2])
        #expect(try await rpc.getBlockHash(height: 3) == best)
        #expect(try await rpc.getBlockchainInfo().blocks == 3)
        #expect(try await rpc.getBlockHeader(best).hash == best)
        #expect(try await rpc.getBlockHeaderInfo(best).height == 3)
        #expect(try BlockHeader(bytes: try await rpc.getBlockBytes(best).prefix(80)).hash == best)
        #expect(try await rpc.getBlockInfo(best).txids.count == 1)
        #expect(try await rpc.getChainTips().count == 1)
        #expect(try await rpc.getPeerInfo().count == 10)
        #expect(try await rpc.getNetworkInfo().subversion == "/simnode:0.1.0/")
        #expect(try await rpc.getRawMempool().isEmpty)
        #expect(try await rpc.uptime() >= 0)

        // A clean stop (the `stop` RPC) deletes the cookie, as bitcoind does.
        let stopping: String = try await rpc.call("stop")
        #expect(stopping == "Simnode stopping")
        let process = node.process
        try await offPool { process.waitUntilExit() }
        #expect(!FileManager.default.fileExists(atPath: cookiePath))
    }

    @Test func clientRecoversAfterRestartWithNewCookie() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let cookiePath = dir.path + "/regtest/.cookie"
        var node = try await SimnodeProcess.start(datadir: dir.path)
        defer { node.stop() }
        let port = node.rpcPort
        let rpc = BitcoindRPCClient(.init(port: port, credentials: .cookieFile(cookiePath)))
        defer { Task { await rpc.close() } }
        let first = try await rpc.getBestBlockHash()
        let oldCookie = try String(contentsOfFile: cookiePath, encoding: .utf8)

        let old = node
        try await offPool { old.stop() }  // SIGTERM: clean exit
        do throws(BitcoindRPCError) {
            _ = try await rpc.getBestBlockHash()
            Issue.record("call succeeded with simnode down")
        } catch {
            #expect(error.kind == .transient)
            #expect(error.isUnreachable)
        }

        node = try await SimnodeProcess.start(datadir: dir.path, port: port)
        let newCookie = try String(contentsOfFile: cookiePath, encoding: .utf8)
        #expect(newCookie != oldCookie)
        // The client still holds the old cookie: it gets 401, re-reads the file, retries.
        let start = ContinuousClock.now
        let again = try await rpc.getBestBlockHash()
        #expect(again == first)  // both fresh regtest chains: genesis
        let recovery = ContinuousClock.now - start
        print("cookie re-read: first call after the restart answered in \(recovery)")
        #expect(recovery < .seconds(5))
    }

    @Test func persistedChainSurvivesSIGKILL() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let cookiePath = dir.path + "/regtest/.cookie"
        var node = try await SimnodeProcess.start(datadir: dir.path, extra: ["--persist"])
        defer { node.stop() }
        let port = node.rpcPort
        let rpc = BitcoindRPCClient(.init(port: port, credentials: .cookieFile(cookiePath)))
        defer { Task { await rpc.close() } }
        _ = try await rpc.call("simgenerate", [4], as: [String].self)
        let tip = try await rpc.getBestBlockHash()
        let old = node
        try await offPool { old.kill() }
        node = try await SimnodeProcess.start(datadir: dir.path, port: port, extra: ["--persist"])
        #expect(try await rpc.getBestBlockHash() == tip)
        #expect(try await rpc.getBlockchainInfo().blocks == 4)
    }
}
