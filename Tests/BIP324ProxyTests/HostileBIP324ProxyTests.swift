import BIP324DriverCore
import BIP324ProxyCore
import Foundation
import Testing
import TestSupport

/// Issue 15, the BIP324 proxy's edge: clients that connect and say nothing must not hold the
/// proxy (greeting deadline, `--max-connections`), and SOCKS5 is no open relay beyond loopback
/// (`--allow-remote` with RFC 1929 credentials, or no start at all). The proxy's resident memory
/// is measured before and after; an honest SOCKS5 client is served afterwards.
@Suite(.serialized) struct HostileBIP324ProxyTests {
    /// RSS growth allowed: a few dozen idle connections' buffers and allocator slack.
    static let boundKiB = 16 * 1024

    @Test func hostileSilentClientsPastTheCap() async throws {
        let (proxy, port) = try await ProxyFixture.proxy(["--greeting-timeout-ms", "3000", "--max-connections", "16"])
        defer { proxy.kill() }
        try await Task.sleep(for: .milliseconds(200))
        let before = try ResidentMemory.kib(pid: proxy.pid)
        // During the attack, a client from another address is admitted (the oldest silent
        // connection from 127.0.0.1 is evicted for it) and its SOCKS5 greeting answered.
        let attack = try await offPool {
            try CapAttack.run(port: port, pid: proxy.pid, held: 16, extra: 8, honestRequest: [0x05, 0x01, 0x00], honestTimeout: 0.5)
        }
        let (extraClosed, heldClosedEarly, heldClosed, during, honestReply) =
            (attack.extraClosed, attack.heldClosedEarly, attack.heldClosed, attack.duringKiB, attack.honestReply)
        #expect(extraClosed == 8, "\(extraClosed) of 8 connections past --max-connections 16 closed at accept")
        #expect(honestReply.prefix(2) == [0x05, 0x00], "the honest client's SOCKS5 greeting was not answered during the attack: \(honestReply)")
        #expect(heldClosedEarly == 1, "silent clients closed before the greeting deadline other than the one evicted")
        #expect(heldClosed == 16, "\(heldClosed) of 16 silent clients closed at the 3 s greeting deadline (one of them evicted)")
        #expect(await proxy.waitForLog(["closed the oldest from 127.0.0.1 without a greeting, for 127.0.0.2"]) != nil)
        #expect(await proxy.waitForLog(["16 client connections already open (--max-connections)"]) != nil)
        #expect(await proxy.waitForLog(["no complete greeting within 3000 ms"]) != nil)
        // The slots are free again: an honest v1 client is carried to a v2 node through SOCKS5.
        let (remote, remotePort, block) = try await ProxyFixture.remote("serve")
        defer { remote.kill() }
        let client = try await ProxyFixture.client(
            ["--proxy", "127.0.0.1:\(port)", "--via", "socks5", "--dest", "127.0.0.1:\(remotePort)", "--block", block ?? ""])
        defer { client.kill() }
        #expect(client.events("socks_reply").first?["code"] as? Int == 0)
        try await ProxyFixture.expectIntact(client: client, remote: remote, block: block)
        let after = try ResidentMemory.kib(pid: proxy.pid)
        FileHandle.standardError.write(Data(
            "hostile bip324 proxy silent clients: RSS \(before) KiB before, \(during) KiB with 24 connections, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
        #expect(during - before < Self.boundKiB)
        #expect(after - before < Self.boundKiB)
    }

    /// Runs the proxy with `arguments` until it exits (it must, within 10 s).
    private func exitOf(_ arguments: [String]) async throws -> (status: Int32, stderr: String) {
        let executable = try BuiltProduct.path("altnet-driver-bip324")
        return try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["proxy", "--network", "regtest"] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return (-1, "still running")
            }
            return (process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
    }

    @Test func hostileOpenRelayRefusedBeyondLoopback() async throws {
        let port = try FreePort.loopback()
        let plain = try await exitOf(["--listen", "0.0.0.0:\(port)"])
        #expect(plain.status != 0)
        #expect(plain.stderr.contains("not a loopback address"), "\(plain.stderr)")
        let noAuth = try await exitOf(["--listen", "0.0.0.0:\(port)", "--allow-remote"])
        #expect(noAuth.status != 0)
        #expect(noAuth.stderr.contains("--socks5-auth-file"), "\(noAuth.stderr)")

        // With --allow-remote and credentials it starts, and only those credentials pass.
        let dir = try TempDir()
        defer { dir.cleanup() }
        let file = dir.path + "/socks5"
        try "relay:s3cret\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (proxy, listening) = try await ProxyFixture.proxy(host: "0.0.0.0", ["--allow-remote", "--socks5-auth-file", file])
        defer { proxy.kill() }
        let before = try ResidentMemory.kib(pid: proxy.pid)
        let anonymous = try await RawSocket.exchange(port: listening, send: [5, 1, 0], expect: 2, timeout: 5)
        #expect(anonymous.bytes == [5, 0xFF])
        let user = Array("relay".utf8), wrong = Array("guess".utf8), right = Array("s3cret".utf8)
        let refused = try await RawSocket.exchange(
            port: listening, send: [5, 1, 2, 1, UInt8(user.count)] + user + [UInt8(wrong.count)] + wrong, timeout: 5)
        #expect(refused.bytes == [5, 2, 1, 1])
        #expect(refused.closed)
        let accepted = try await RawSocket.exchange(
            port: listening, send: [5, 1, 2, 1, UInt8(user.count)] + user + [UInt8(right.count)] + right, expect: 4, timeout: 5)
        #expect(accepted.bytes == [5, 2, 1, 0])
        // v1 routing by addr_recv would bypass the credentials: off.
        let v1 = try await RawSocket.exchange(port: listening, send: [0xfa, 0xbf, 0xb5, 0xda] + Array("version".utf8), timeout: 5)
        #expect(v1.closed && v1.bytes.isEmpty)
        let after = try ResidentMemory.kib(pid: proxy.pid)
        FileHandle.standardError.write(Data("hostile bip324 proxy relay: RSS \(before) KiB before, \(after) KiB after\n".utf8))
        #expect(after - before < Self.boundKiB)
    }

    @Test func hostileSOCKS5CredentialsCheckedSansIO() throws {
        let credentials = try SOCKS5Credentials(user: "relay", password: "s3cret")
        var server = SOCKS5Server(credentials: credentials)
        #expect(server.receive([5, 2, 0, 2]) == .needMore(reply: [5, 2]))
        let bad = [1, 5] + Array("relay".utf8) + [6] + Array("s3creT".utf8)
        #expect(server.receive(bad) == .refuse(reason: "SOCKS5 username/password rejected", reply: [1, 1]))
        var open = SOCKS5Server(credentials: credentials)
        #expect(open.receive([5, 1, 0]) == .refuse(reason: "SOCKS5 client does not offer username/password, which this proxy requires", reply: [5, 0xFF]))
    }
}
