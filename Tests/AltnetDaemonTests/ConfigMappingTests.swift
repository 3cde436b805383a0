import AltnetConfig
import AltnetControl
import AltnetDaemon
@testable import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import TestSupport
import Testing

/// altnet.conf and flags -> DaemonSettings -> Altstack DriverConfigs, without processes.
@Suite struct ConfigMappingTests {
    static let sample = """
        network=regtest
        [bitcoind]
        rpcconnect=127.0.0.1:18443
        rpccookiefile=/tmp/x/regtest/.cookie
        zmqpub=tcp://127.0.0.1:28332
        [watchdog]
        staletipseconds=5
        crosscheckseconds=60
        [control]
        metrics=127.0.0.1:0
        [bip324]
        connect=203.0.113.5:8333
        connect=[2001:db8::1]:8333
        [lightning]
        listen=127.0.0.1:9735
        [rpc]
        """

    func settings(_ text: String, flags: [String] = []) throws -> DaemonSettings {
        let file = try ConfigFile(parsing: text)
        let overrides = try ConfigFile(flags: flags, sectionFlags: Set(DaemonSettings.driverSections))
        return try DaemonSettings(file.overridden(by: overrides), bitcoindDataDir: "/home/me/.bitcoin")
    }

    @Test func sampleMapsToSettings() throws {
        let s = try settings(Self.sample)
        #expect(s.network == .regtest)
        #expect(s.rpcHost == "127.0.0.1" && s.rpcPort == 18443)
        #expect(s.rpcCookieFile == "/tmp/x/regtest/.cookie")
        #expect(s.zmqEndpoint == "tcp://127.0.0.1:28332")
        #expect(s.staleTipSeconds == 5 && s.crossCheckSeconds == 60)
        #expect(s.metrics?.port == 0)
        #expect(s.drivers.map(\.name) == ["bip324", "lightning", "rpc"])
    }

    /// docs/altnet.conf.sample stays a valid configuration.
    @Test func documentedSampleParses() throws {
        let path = SharedData.packageRoot.appendingPathComponent("docs/altnet.conf.sample").path
        let s = try settings(try String(contentsOfFile: path, encoding: .utf8))
        #expect(s.network == .regtest)
        #expect(s.drivers.map(\.name) == ["bip324", "lightning", "rpc"])
        #expect(s.metrics == DaemonSettings.HostPort(host: "127.0.0.1", port: 9334))
    }

    @Test func driverSectionsBecomeDriverConfigs() throws {
        let s = try settings(Self.sample)
        let configs = DriverConfigs.make(settings: s, dataDir: "/data", executableDirectory: "/opt/altnet/bin",
                                         nodeIDs: ["lightning": "02" + String(repeating: "ab", count: 32)])
        #expect(configs.map(\.name) == ["bip324", "lightning", "rpc"])
        #expect(configs.map(\.executable) == ["bip324", "lightning", "rpc"].map { "/opt/altnet/bin/altnet-driver-\($0)" })
        #expect(configs.map(\.dataDir) == ["/data/bip324", "/data/lightning", "/data/rpc"])
        #expect(configs.map(\.priority) == [0, 1, 2])
        #expect(configs[0].options["connect"] == .array([.string("203.0.113.5:8333"), .string("[2001:db8::1]:8333")]))
        #expect(configs[0].network == "regtest")
        #expect(configs[0].chain == ChainInfo.regtest)
        #expect(configs[1].options["listen"] == .string("127.0.0.1:9735"))
        #expect(configs[1].options["node_id"] == .string("02" + String(repeating: "ab", count: 32)))
        // The RPC driver defaults to altnetd's own bitcoind.
        #expect(configs[2].options["rpcconnect"] == .string("127.0.0.1:18443"))
        #expect(configs[2].options["rpccookiefile"] == .string("/tmp/x/regtest/.cookie"))
    }

    @Test func singleConnectIsStillAList() throws {
        let s = try settings("network=regtest\n[bip324]\nconnect=1.2.3.4:8333\nhandshaketimeoutms=5000\n")
        let config = try #require(DriverConfigs.make(settings: s, dataDir: "/d", executableDirectory: "/b").first)
        #expect(config.options["connect"] == .array([.string("1.2.3.4:8333")]))
        // The text as written; the manifest's type makes it a number (DriverOptionTypes).
        #expect(config.options["handshaketimeoutms"] == .string("5000"))
        let typed = DriverOptionTypes.apply(config.options, specs: [OptionSpec(name: "handshaketimeoutms", type: .int, description: "")])
        #expect(typed["handshaketimeoutms"] == .int(5000))
    }

    /// Issue 15: option values keep their config types; a numeric-looking password stays a string.
    @Test func numericLookingPasswordStaysAString() throws {
        let s = try settings("network=regtest\n[rpc]\nrpcuser=alice\nrpcpassword=0123456\npeer_timeout_ms=5000\n")
        let config = try #require(DriverConfigs.make(settings: s, dataDir: "/d", executableDirectory: "/b").first)
        // As the RPC driver's manifest declares them (Sources/GetBlockFromPeerDriverCore/RPCDriverOptions.swift).
        let specs = [
            OptionSpec(name: "rpcuser", type: .string, description: ""),
            OptionSpec(name: "rpcpassword", type: .string, description: ""),
            OptionSpec(name: "peer_timeout_ms", type: .int, description: ""),
        ]
        let typed = DriverOptionTypes.apply(config.options, specs: specs)
        #expect(typed["rpcpassword"] == .string("0123456"))
        #expect(typed["rpcuser"] == .string("alice"))
        #expect(typed["peer_timeout_ms"] == .int(5000))
        // A bool option takes true/false/1/0; an int that does not parse stays text for the driver to refuse.
        #expect(DriverOptionTypes.typed(.string("1"), as: .bool) == .bool(true))
        #expect(DriverOptionTypes.typed(.string("12x"), as: .int) == .string("12x"))
    }

    @Test func flagsOverrideTheFile() throws {
        let s = try settings(Self.sample, flags: [
            "--bitcoind.rpcconnect=10.0.0.1:8332", "--network", "regtest", "--bip324.connect=198.51.100.1:8333",
            "--control.metrics=", "--watchdog.staletipseconds", "9",
        ])
        #expect(s.rpcHost == "10.0.0.1" && s.rpcPort == 8332)
        #expect(s.metrics == nil)
        #expect(s.staleTipSeconds == 9)
        #expect(s.drivers.first { $0.name == "bip324" }?.keys.first { $0.key == "connect" }?.values == ["198.51.100.1:8333"])
    }

    @Test func sectionFlagEnablesADriver() throws {
        let s = try settings("network=regtest\n", flags: ["--rpc"])
        #expect(s.drivers.map(\.name) == ["rpc"])
        let none = try settings("network=regtest\n")
        #expect(none.drivers.isEmpty)
    }

    @Test func defaults() throws {
        let s = try settings("")
        #expect(s.network == .main)
        #expect(s.rpcPort == 8332)
        #expect(s.rpcCookieFile == "/home/me/.bitcoin/.cookie")
        #expect(s.metrics == DaemonSettings.HostPort(host: "127.0.0.1", port: 9334))
        #expect(s.crossCheckSeconds == 600 && s.staleTipSeconds == 0)
        #expect(s.zmqEndpoint == nil)
        let regtest = try settings("network=regtest")
        #expect(regtest.rpcPort == 18443 && regtest.rpcCookieFile == "/home/me/.bitcoin/regtest/.cookie")
    }

    @Test func fanoutAndGuardKeys() throws {
        let d = try settings("")
        #expect(d.quorum == 2 && d.peersPerDriver == 4 && d.maxForkDepth == 2_016 && d.minimumChainWork == nil)
        let s = try settings("[watchdog]\nquorum=3\npeersperdriver=6\nmaxforkdepth=144\nminchainwork=0x1f4\n")
        #expect(s.quorum == 3 && s.peersPerDriver == 6 && s.maxForkDepth == 144)
        #expect(s.minimumChainWork == UInt256(500))
        let flag = try settings("", flags: ["--watchdog.minchainwork=00000000000000000000000000000000000000000000000000000000000003e8"])
        #expect(flag.minimumChainWork == UInt256(1_000))
        #expect(throws: ConfigError.self) { try settings("[watchdog]\nminchainwork=xyz") }
        #expect(throws: ConfigError.self) { try settings("[watchdog]\nminchainwork=" + String(repeating: "f", count: 65)) }
        #expect(throws: ConfigError.self) { try settings("[watchdog]\nquorum=0") }
    }

    @Test func mistakesAreErrorsWithALine() throws {
        #expect(throws: ConfigError.self) { try settings("network=moon") }
        #expect(throws: ConfigError.self) { try settings("[watchdog]\nstaletipsecond=3") }
        #expect(throws: ConfigError.self) { try settings("[bitcoind]\nrpcuser=a") }
        #expect(throws: ConfigError.self) { try settings("[bitcoind]\nrpcconnect=host:notaport") }
        #expect(throws: ConfigError.self) { try settings("[nosuchdriver]\nx=1") }
        #expect(throws: ConfigError.self) { try settings("", flags: ["bare"]) }
        #expect(throws: ConfigError.self) { try settings("", flags: ["--bitcoind.rpcconnect"]) }
        do {
            _ = try settings("network=regtest\n[watchdog]\ncrosscheckseconds=-1\n")
            Issue.record("negative interval accepted")
        } catch let error as ConfigError {
            #expect(error.line == 3)
        }
    }

    @Test func emergencyTxParsing() throws {
        // A minimal valid legacy transaction: version 1, one input, one output, locktime 0.
        let tx = "01000000" + "01" + String(repeating: "11", count: 32) + "00000000" + "00" + "ffffffff"
            + "01" + "0000000000000000" + "01" + "51" + "00000000"
        let parsed = try SendEmergencyTx.parse(hex: tx + "\n")
        #expect(parsed.bytes.count == tx.count / 2)
        #expect(throws: SendEmergencyTx.Malformed.self) { try SendEmergencyTx.parse(hex: "zz") }
        #expect(throws: SendEmergencyTx.Malformed.self) { try SendEmergencyTx.parse(hex: "") }
        #expect(throws: SendEmergencyTx.Malformed.self) { try SendEmergencyTx.parse(hex: tx + "00") }
        #expect(throws: SendEmergencyTx.Malformed.self) { try SendEmergencyTx.parse(hex: String(repeating: "00", count: 80)) }
    }
}
