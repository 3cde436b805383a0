import BitcoinPrimitives
import Foundation
import JSON
import Simnode
import TestSupport
import Testing

/// simnode's address book as bitcoind v26 keeps and serves it (net_processing's getaddr, addr,
/// addrv2, sendaddrv2; rpc/net.cpp's addpeeraddress, getnodeaddresses, getaddrmaninfo), against
/// Bitcoin Core's functional test framework (integration/simnode_addr_peer.py).
@Suite(.serialized) struct SimnodeAddrTests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// 90 routable IPv4 addresses and 10 Tor v3 names, as addpeeraddress takes them.
    static let book: [(host: String, port: Int)] =
        (0..<90).map { ("20.\($0 / 10).\($0 % 10).1", 8333) }
        + (0..<10).map { i in (TorV3Name.name(publicKey: [UInt8](repeating: UInt8(i + 1), count: 32)), 9333) }

    static func start(loopback: Bool = false, coreVersion: CoreVersion = .v26) async throws -> (SimnodeServer, TempDir) {
        let dir = try TempDir()
        var config = SimnodeServer.Configuration(datadir: dir.path)
        config.p2pPort = 0
        config.addrLoopback = loopback
        config.coreVersion = coreVersion
        return (try await SimnodeServer.start(config), dir)
    }

    static func addPeerAddress(_ node: SimnodeNode, _ host: String, _ port: Int, tried: Bool = false) async throws -> Bool {
        let result = try await node.call("addpeeraddress", params: .array([.string(host), .int(Int64(port)), .bool(tried)]))
        guard case .bool(let success)? = result["success"] else { throw Failure(description: "no success in \(result)") }
        return success
    }

    /// Runs the peer script to its end and returns its summary.
    static func peer(_ arguments: [String]) async throws -> [String: Any] {
        try await offPool {
            let peer = try PythonPeer(script: "simnode_addr_peer.py", arguments: arguments)
            defer { peer.stop() }
            return try peer.finishJSON(timeout: 90)
        }
    }

    /// "host:port" of each address in each message of one getaddr round.
    static func addresses(_ round: Any?) -> [(command: String, addresses: [String])] {
        (round as? [[String: Any]] ?? []).map { message in
            let list = (message["addresses"] as? [[String: Any]] ?? []).map { "\($0["host"] ?? "?"):\($0["port"] ?? "?")" }
            return (message["command"] as? String ?? "?", list)
        }
    }

    @Test func getaddrIsAnsweredOnceWith23PercentOfTheBookInAddrv2OrAddr() async throws {
        let (server, dir) = try await Self.start()
        defer { dir.cleanup() }
        for (host, port) in Self.book {
            #expect(try await Self.addPeerAddress(server.node, host, port), "\(host)")
        }
        // Core refuses a known address, a non-routable one and loopback (without simnode's flag).
        #expect(try await Self.addPeerAddress(server.node, "20.0.0.1", 8333) == false)
        #expect(try await Self.addPeerAddress(server.node, "10.1.2.3", 8333) == false)
        #expect(try await Self.addPeerAddress(server.node, "127.11.1.1", 8333) == false)
        #expect(try await Self.addPeerAddress(server.node, "not-an-address", 8333) == false)
        let info = try await server.node.call("getaddrmaninfo", params: .array([]))
        #expect(info["all_networks"]?["total"] == .int(100))
        #expect(info["onion"]?["total"] == .int(10) && info["ipv4"]?["new"] == .int(90))
        let listed = try await server.node.call("getnodeaddresses", params: .array([.int(0)]))
        guard case .array(let all) = listed else { throw Failure(description: "\(listed)") }
        #expect(all.count == 100)

        let added = Set(Self.book.map { "\($0.host):\($0.port)" })
        let port = String(try #require(server.p2pPort))
        // v2 with sendaddrv2 before verack: one addrv2 of 23 (23% of 100) known addresses, then nothing.
        let v2 = try await Self.peer(["getaddr", port, "--sendaddrv2"])
        let v2First = Self.addresses((v2["answers"] as? [Any])?.first)
        #expect(v2First.map(\.command) == ["addrv2"])
        let served = v2First.first?.addresses ?? []
        #expect(served.count == 23 && Set(served).isSubset(of: added), "\(served)")
        let v2Second = Self.addresses((v2["answers"] as? [Any])?.last)
        #expect(v2Second.count == 0, "a second getaddr is ignored")
        // v1 without sendaddrv2: addr, the same cached answer without what v1 cannot carry.
        let v1 = try await Self.peer(["getaddr", port, "--v1"])
        let v1First = Self.addresses((v1["answers"] as? [Any])?.first)
        let ipv4Served = served.filter { !$0.contains(".onion") }
        #expect(v1First.map(\.command) == (ipv4Served.isEmpty ? [] : ["addr"]))
        #expect(Set(v1First.first?.addresses ?? []) == Set(ipv4Served))
        await server.shutdown()
    }

    @Test func getaddrFromAPeerSimnodeConnectedToIsIgnoredAndSimnodeAsksIt() async throws {
        let (server, dir) = try await Self.start()
        defer { dir.cleanup() }
        for (host, port) in Self.book.prefix(20) { _ = try await Self.addPeerAddress(server.node, host, port) }
        let summary: [String: Any] = try await offPool {
            let peer = try PythonPeer(script: "simnode_addr_peer.py", arguments: ["listen"])
            defer { peer.stop() }
            let listening = try peer.readJSON()
            let port = try #require(listening["port"] as? Int)
            let node = server.node
            Task { _ = try? await node.call("addnode", params: .array([.string("127.0.0.1:\(port)"), .string("onetry")])) }
            return try peer.finishJSON(timeout: 90)
        }
        #expect(summary["got_getaddr"] as? Bool == true, "simnode sends getaddr to its outbound peer")
        let answers = summary["answers"] as? [Any] ?? []
        #expect(answers.count == 2 && answers.allSatisfy { Self.addresses($0).isEmpty }, "\(answers)")
        await server.shutdown()
    }

    @Test func loopbackAddressesNeedTheSimnodeOnlyFlag() async throws {
        let (server, dir) = try await Self.start(loopback: true)
        defer { dir.cleanup() }
        #expect(try await Self.addPeerAddress(server.node, "127.11.1.1", 18444, tried: true))
        #expect(try await Self.addPeerAddress(server.node, "::1", 18444))
        let info = try await server.node.call("getaddrmaninfo", params: .array([]))
        #expect(info["ipv4"]?["tried"] == .int(1) && info["ipv6"]?["new"] == .int(1))
        let port = String(try #require(server.p2pPort))
        let r = try await Self.peer(["getaddr", port, "--sendaddrv2", "--rounds", "1"])
        let answer = Self.addresses((r["answers"] as? [Any])?.first)
        #expect(answer.count == 0, "23% of 2 is 0 addresses")
        await server.shutdown()
    }

    @Test func aFreshAddressIsRelayedToAnotherPeer() async throws {
        let (server, dir) = try await Self.start()
        defer { dir.cleanup() }
        let r = try await Self.peer(["relay", String(try #require(server.p2pPort))])
        let toA = Self.addresses(r["to_a"])
        let toB = Self.addresses(r["to_b"])
        #expect(toA.map(\.command) == ["addrv2"] && toA.first?.addresses == ["40.1.2.3:8333"], "\(toA)")
        #expect(toB.count == 0, "relayed back to its sender: \(toB)")
        let book = try await server.node.call("getnodeaddresses", params: .array([.int(0)]))
        #expect("\(book)".contains("40.1.2.3"), "the relayed address is kept too")
        await server.shutdown()
    }

    @Test func theBookIsBounded() async throws {
        let (server, dir) = try await Self.start()
        defer { dir.cleanup() }
        var accepted = 0
        for i in 0..<20_010 {
            if try await Self.addPeerAddress(server.node, "30.\(i >> 16).\((i >> 8) & 0xff).\(i & 0xff)", 8333) { accepted += 1 }
        }
        #expect(accepted == 20_000)
        let info = try await server.node.call("getaddrmaninfo", params: .array([]))
        #expect(info["all_networks"]?["total"] == .int(20_000))
        await server.shutdown()
    }

    @Test func addrIsRateLimitedAndOversizedAddrIsMisbehaviour() async throws {
        let (server, dir) = try await Self.start()
        defer { dir.cleanup() }
        let port = String(try #require(server.p2pPort))
        // An inbound peer starts with one token: of 10 unsolicited addresses one is kept.
        let small = try await Self.peer(["send", port, "--count", "10"])
        #expect(small["disconnected_after"] is NSNull)
        let info = try await server.node.call("getaddrmaninfo", params: .array([]))
        #expect(info["all_networks"]?["total"] == .int(1))
        // 1,001 entries: misbehaviour 20 each in v26, disconnected at 100 (the fifth).
        let flood = try await Self.peer(["send", port, "--count", "1001", "--messages", "8"])
        #expect(flood["disconnected_after"] as? Int == 5, "\(flood)")
        await server.shutdown()
        // v28 disconnects at the first.
        let (v28, dir28) = try await Self.start(coreVersion: .v28)
        defer { dir28.cleanup() }
        let once = try await Self.peer(["send", String(try #require(v28.p2pPort)), "--count", "1001", "--messages", "3"])
        #expect(once["disconnected_after"] as? Int == 1, "\(once)")
        await v28.shutdown()
    }
}
