import BitcoinPrimitives
import Foundation
import Testing
import TestSupport

/// Starts `altnet-driver-bip324 proxy`, the verystable v2 (or v1-only) listener and the v1
/// client, all on loopback with ports the OS picked.
enum ProxyFixture {
    /// The proxy listening on `host:port` (a fresh port), with `extra` flags.
    static func proxy(network: String = "regtest", host: String = "127.0.0.1", _ extra: [String] = []) async throws -> (ChildProcess, Int) {
        let port = try FreePort.loopback()
        let listen = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let child = try ChildProcess(try BuiltProduct.path("altnet-driver-bip324"), ["proxy", "--network", network, "--listen", listen] + extra)
        do {
            try await RawSocket.waitUntilListening(host: host, port: port)
        } catch {
            child.kill()
            throw ChildProcess.Failure(description: "proxy did not start: \(child.log.suffix(5))")
        }
        return (child, port)
    }

    /// integration/bip324_driver_peer.py in `mode` (serve: v2 listener; v1only), returning it and its port.
    static func remote(_ mode: String, host: String = "127.0.0.1", net: String = "regtest") async throws -> (ChildProcess, Int, String?) {
        let peer = try ChildProcess.python("bip324_driver_peer.py", [mode], environment: ["BIP324_PEER_HOST": host, "BIP324_PEER_NET": net])
        let first = try await peer.waitFor { $0["port"] != nil || $0["error"] != nil }
        guard let port = first["port"] as? Int else {
            peer.kill()
            throw ChildProcess.Failure(description: "python peer did not start: \(first["error"] ?? "?") (pip install verystable)")
        }
        return (peer, port, first["block"] as? String)
    }

    /// integration/bip324_proxy_client.py; waits for it to finish (done or error).
    static func client(_ arguments: [String]) async throws -> ChildProcess {
        let client = try ChildProcess.python("bip324_proxy_client.py", arguments)
        _ = try await client.waitFor(timeout: .seconds(90)) { ["done", "error", "socks_reply"].contains($0["event"] as? String ?? "") }
        if let error = client.events("error").first { throw ChildProcess.Failure(description: "v1 client failed: \(error["error"] ?? "?")") }
        return client
    }

    /// Checks what the v1 client and the v2 remote saw: every message intact both ways.
    static func expectIntact(client: ChildProcess, remote: ChildProcess, block: String?) async throws {
        try await client.waitFor(event: "done")
        #expect(client.events("version").first?["user_agent"] as? String == "/verystable-driver-peer/")
        #expect(client.events("verack").count == 1)
        #expect(client.events("pong").first?["nonce"] as? Int == 0xC0FFEE)
        let headers = try #require(client.events("headers").first)
        #expect(headers["count"] as? Int == 2000)
        #expect(headers["connected"] as? Bool == true)
        if let block {
            let got = try #require(client.events("block").first)
            #expect(got["hash"] as? String == block)
            #expect(got["merkle_ok"] as? Bool == true)
            #expect(got["witness"] as? Bool == true)
        }
        // The remote's view: our client's version, its ping, and the headers and block it sent,
        // byte for byte (sha256 of the payloads on both ends).
        let version = try await remote.waitFor(event: "version")
        #expect(version["user_agent"] as? String == "/altnet-proxy-test-v1-client/")
        try await remote.waitFor { $0["event"] as? String == "ping" && $0["nonce"] as? Int == 0xC0FFEE }
        let sentHeaders = try #require(client.events("sent_headers").first?["sha256"] as? String)
        let remoteHeaders = try await remote.waitFor(event: "headers")
        #expect(sha256Hex(ofHex: remoteHeaders["payload"] as? String) == sentHeaders)
        if block != nil {
            let sentBlock = try #require(client.events("sent_block").first?["sha256"] as? String)
            let remoteBlock = try await remote.waitFor(event: "block")
            #expect(sha256Hex(ofHex: remoteBlock["payload"] as? String) == sentBlock)
        }
    }

    static func sha256Hex(ofHex hex: String?) -> String? {
        guard let hex, let bytes = try? [UInt8](hex: hex) else { return nil }
        return Hex.encode(Hashes.sha256(bytes))
    }
}
