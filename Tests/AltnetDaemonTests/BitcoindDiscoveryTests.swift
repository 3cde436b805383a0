import AltnetConfig
@testable import AltnetDaemon
import BitcoinPrimitives
import Foundation
import TestSupport
import Testing

/// Zero-config start: bitcoin.conf -> altnet settings, following Core's section and
/// network-only rules, and the exact lines to add for what is missing.
@Suite struct BitcoindDiscoveryTests {
    static func discover(_ text: String?, network: Network? = nil, cookieThere: Bool = true) throws -> BitcoindDiscovery {
        try BitcoindDiscovery.discover(confText: text, confPath: "/b/bitcoin.conf", dataDir: "/b", network: network,
                                       fileExists: { _ in cookieThere })
    }

    static func settings(_ d: BitcoindDiscovery) throws -> DaemonSettings {
        try DaemonSettings(try ConfigFile(flags: d.flags, sectionFlags: []))
    }

    @Test func regtestSectionWithZMQAndCookie() throws {
        let d = try Self.discover("""
            regtest=1
            server=1
            rpcport=9999            # top level: network-only, so ignored on regtest as Core does
            [regtest]
            rpcport=18500
            zmqpubhashblock=tcp://0.0.0.0:28400
            """)
        let s = try Self.settings(d)
        #expect(s.network == .regtest)
        #expect(s.rpcHost == "127.0.0.1" && s.rpcPort == 18500)
        #expect(s.rpcCookieFile == "/b/regtest/.cookie")
        #expect(s.zmqEndpoint == "tcp://127.0.0.1:28400")
        #expect(d.missing.isEmpty, "\(d.missing)")
        for part in ["network regtest (regtest=1)", "rpc 127.0.0.1:18500 ([regtest] rpcport)", "cookie /b/regtest/.cookie (default)",
                     "zmq tcp://127.0.0.1:28400 ([regtest] zmqpubhashblock)", "not pruned"] {
            #expect(d.summary.contains(part), "\(part) not in \(d.summary)")
        }
    }

    @Test func mainUsesTopLevelAndUserPassword() throws {
        let d = try Self.discover("rpcport=8400\nrpcuser=alice\nrpcpassword=s3cret\nzmqpubsequence=tcp://127.0.0.1:28333\nprune=550\n")
        let s = try Self.settings(d)
        #expect(s.network == .main && s.rpcPort == 8400)
        #expect(s.rpcUser == "alice" && s.rpcPassword == "s3cret")
        #expect(s.zmqEndpoint == "tcp://127.0.0.1:28333")
        #expect(d.summary.contains("pruned (prune=550)"))
    }

    @Test func chainLineRelativeCookieAndRpcconnect() throws {
        let d = try Self.discover("chain=signet\nrpcconnect=10.0.0.2\nrpccookiefile=auth/.cookie\n", cookieThere: false)
        let s = try Self.settings(d)
        #expect(s.network == .signet)
        #expect(s.rpcHost == "10.0.0.2" && s.rpcPort == 38332)
        #expect(s.rpcCookieFile == "/b/signet/auth/.cookie")
        #expect(d.summary.contains("not there yet"))
    }

    @Test func missingZMQGivesTheExactLines() throws {
        let d = try Self.discover("regtest=1\n")
        let zmq = try #require(d.missing.first { $0.key == "bitcoind.zmqpub" })
        #expect(zmq.text.contains("/b/bitcoin.conf"))
        #expect(zmq.text.contains("\n    zmqpubhashblock=tcp://127.0.0.1:28332\n    zmqpubsequence=tcp://127.0.0.1:28332"))
        #expect(try Self.settings(d).zmqEndpoint == nil)
        // A flag that sets zmqpub answers the question: nothing is asked any more.
        #expect(d.overridden(by: ["bitcoind.zmqpub"]).missing.isEmpty)
        // No bitcoin.conf at all: bitcoind's defaults, and the same request.
        let none = try Self.discover(nil)
        #expect(none.summary.contains("no bitcoin.conf there") && none.missing.contains { $0.key == "bitcoind.zmqpub" })
        #expect(try Self.settings(none).rpcPort == 8332)
    }

    @Test func flagNetworkWinsAndV2Off() throws {
        let d = try Self.discover("regtest=1\nv2transport=0\n[signet]\nrpcport=40000\n", network: .signet)
        #expect(try Self.settings(d).rpcPort == 40000)
        #expect(d.missing.contains { $0.text.contains("v2transport=1") })
    }

    /// Through Daemon.settings: no altnet.conf, --bitcoind.datadir names bitcoind's directory,
    /// and flags still override what bitcoin.conf says.
    @Test func daemonSettingsReadBitcoinConf() throws {
        let dir = try TempDir(prefix: "altnet-zeroconf")
        defer { dir.cleanup() }
        try "regtest=1\n[regtest]\nrpcport=18777\nzmqpubhashblock=tcp://127.0.0.1:28777\n"
            .write(toFile: dir.path + "/bitcoin.conf", atomically: true, encoding: .utf8)
        let base = Daemon.Options(dataDir: dir.path + "/alt", flags: ["--bitcoind.datadir=\(dir.path)"], driverDirectory: "/nonexistent")
        let s = try Daemon.settings(base)
        #expect(s.network == .regtest && s.rpcPort == 18777 && s.zmqEndpoint == "tcp://127.0.0.1:28777")
        #expect(s.rpcCookieFile == dir.path + "/regtest/.cookie")
        var flagged = base
        flagged.flags.append("--bitcoind.rpcconnect=127.0.0.1:1234")
        #expect(try Daemon.settings(flagged).rpcPort == 1234)
        // With an altnet.conf, bitcoin.conf is not read.
        try FileManager.default.createDirectory(atPath: dir.path + "/alt", withIntermediateDirectories: true)
        try "network=regtest\n".write(toFile: dir.path + "/alt/altnet.conf", atomically: true, encoding: .utf8)
        let withFile = try Daemon.settings(base)
        #expect(withFile.rpcPort == 18443 && withFile.zmqEndpoint == nil)
    }
}
