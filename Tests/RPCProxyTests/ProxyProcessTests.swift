import Foundation
import RPCProxyCore
import TestSupport
import Testing

/// The built `altnet-driver-rpc proxy` as an operator runs it, in front of a pruned simnode.
@Suite(.serialized) struct ProxyProcessTests {
    @Test func theExecutableServesPrunedBlocksAndCleansUpOnSIGTERM() async throws {
        let node = try await SimnodeChild.startPruned()
        let dir = try TempDir()
        defer { dir.cleanup() }
        let ln = RPCAuthEntry(user: "lightning", password: "pw", salt: "5a17")
        let authFile = dir.path + "/rpcauth"
        try "# proxy users\n\(ln.line)\n".write(toFile: authFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProduct.path("altnet-driver-rpc"))
        process.arguments = [
            "proxy", "--network", "regtest", "--rpcconnect", "127.0.0.1:\(node.rpcPort)",
            "--rpccookiefile", node.cookiePath, "--datadir", dir.path, "--listen", "127.0.0.1:0",
            "--rpcauthfile", authFile, "--allow", "lightning:getblock,getblockhash", "--fetch-deadline", "10",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        struct Ready: Decodable { let listen: Int; let cookie: String }
        let line: Data = try await offPool {
            var line = Data()
            let deadline = Date().addingTimeInterval(20)
            while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
                line.append(out.fileHandleForReading.availableData)
            }
            return line
        }
        do {
            let ready = try JSONDecoder().decode(Ready.self, from: line)
            // ps shows the file's name, not the salted hash in it.
            let cmdline = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/cmdline")), as: UTF8.self)
            #expect(cmdline.contains("--rpcauthfile") && !cmdline.contains(ln.line.split(separator: ":").last.map(String.init) ?? ln.line))
            #expect(ready.cookie == dir.path + "/.cookie")
            #expect(FileManager.default.fileExists(atPath: ready.cookie))
            let hash = try await node.rpc.getBlockHash(height: 8).displayHex
            let body = #"{"jsonrpc":"1.0","id":"cln","method":"getblock","params":[""# + hash + #"",0]}"#
            let auth = RawHTTP.basic("lightning:pw")
            let answer = try await RawHTTP.post(port: ready.listen, body: body, authorization: auth)
            #expect(answer.status == 200, "\(answer.text)")
            let direct = try await RawHTTP.post(port: node.rpcPort, body: body, authorization: try node.authorization())
            #expect(answer.body == direct.body)
            let fetches = try await node.rpc.simFetchLog()
            #expect(fetches.count == 1)
            let stop = try await RawHTTP.post(port: ready.listen, body: #"{"id":1,"method":"stop"}"#, authorization: auth)
            #expect(stop.status == 403)
            // SIGTERM: a clean exit that deletes the cookie.
            kill(process.processIdentifier, SIGTERM)
            let exited: Bool = try await offPool {
                let deadline = Date().addingTimeInterval(10)
                while process.isRunning, Date() < deadline { usleep(20_000) }
                return !process.isRunning
            }
            #expect(exited, "the proxy did not exit on SIGTERM")
            if exited { #expect(process.terminationStatus == 0) }
            #expect(!FileManager.default.fileExists(atPath: ready.cookie))
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    @Test func secretsGivenOnTheCommandLineAreRefusedWithWhatToUse() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let ln = RPCAuthEntry(user: "lightning", password: "pw", salt: "5a17")
        let base = ["proxy", "--network", "regtest", "--datadir", dir.path, "--listen", "127.0.0.1:0"]
        let exe = try BuiltProduct.path("altnet-driver-rpc")
        let auth = try await runToEnd(exe, base + ["--rpcauth", ln.line])
        #expect(auth.status != 0)
        #expect(auth.err.contains("--rpcauthfile FILE"), "\(auth.err)")
        let password = try await runToEnd(exe, base + ["--rpcuser", "u", "--rpcpassword", "secret"])
        #expect(password.status != 0)
        #expect(password.err.contains("--rpcpasswordfile FILE"), "\(password.err)")
        let bad = dir.path + "/bad"
        try "lightning-without-hash\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let malformed = try await runToEnd(exe, base + ["--rpcauthfile", bad])
        #expect(malformed.status != 0)
        #expect(malformed.err.contains("line 1"), "\(malformed.err)")
    }
}
