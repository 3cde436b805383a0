import Testing
@testable import AltnetConfig

@Suite struct ConfigFileTests {
    /// The sample from DESIGN.md, verbatim in shape: inline comments, sections, repeated keys.
    static let sample = """
        network=regtest                          # main | testnet3 | testnet4 | signet | regtest

        [bitcoind]
        rpcconnect=127.0.0.1:18443               # host:port of bitcoind's RPC
        rpccookiefile=/home/me/.bitcoin/regtest/.cookie   # or rpcuser= and rpcpassword=
        zmqpub=tcp://127.0.0.1:28332

        [watchdog]
        staletipseconds=0
        crosscheckseconds=600

        [bip324]
        connect=203.0.113.5:8333                 # repeatable
        connect=[2001:db8::1]:8333

        [rpc]
        """

    @Test func parsesTheDesignSample() throws {
        let conf = try ConfigFile(parsing: Self.sample)
        #expect(conf.value("network") == "regtest")
        #expect(conf.value("rpcconnect", in: "bitcoind") == "127.0.0.1:18443")
        #expect(conf.value("rpccookiefile", in: "bitcoind") == "/home/me/.bitcoin/regtest/.cookie")
        #expect(conf.values("connect", in: "bip324") == ["203.0.113.5:8333", "[2001:db8::1]:8333"])
        #expect(conf.hasSection("rpc"))
        #expect(!conf.hasSection("lightning"))
        #expect(conf.sections == ["bitcoind", "watchdog", "bip324", "rpc"])
    }

    @Test func laterValuesOverrideAndDottedKeysWork() throws {
        let conf = try ConfigFile(parsing: "a=1\na=2\nbitcoind.rpcconnect = 10.0.0.1:8332 \n")
        #expect(conf.value("a") == "2")
        #expect(conf.values("a") == ["1", "2"])
        #expect(conf.value("rpcconnect", in: "bitcoind") == "10.0.0.1:8332")
        #expect(conf.hasSection("bitcoind"))
    }

    @Test func errorsNameTheLineAsCoreDoes() {
        #expect(throws: ConfigError(line: 2, problem: .missingEquals("nolisten"))) {
            try ConfigFile(parsing: "network=main\nnolisten\n")
        }
        let e = ConfigError(line: 2, problem: .missingEquals("nolisten"))
        #expect(e.description == "parse error on line 2: nolisten, if you intended to specify a negated option, use nolisten=1 instead")
        #expect(throws: ConfigError(line: 1, problem: .leadingDash("-network=main"))) {
            try ConfigFile(parsing: "-network=main")
        }
        #expect(throws: ConfigError(line: 3, problem: .hashInPassword("rpcpassword"))) {
            try ConfigFile(parsing: "\n[bitcoind]\nrpcpassword=abc#def\n")
        }
        #expect(throws: ConfigError(line: 1, problem: .emptyKey)) { try ConfigFile(parsing: " = x") }
    }

    @Test func emptyValueIsKeptAndCRLFTolerated() throws {
        let conf = try ConfigFile(parsing: "[control]\r\nmetrics=\r\n")
        #expect(conf.value("metrics", in: "control") == "")
    }

    @Test func unknownKeysAreReportedWithLines() throws {
        let conf = try ConfigFile(parsing: "[watchdog]\nstaletipsecond=5\ncrosscheckseconds=1\n")
        let unknown = conf.unknownKeys(in: "watchdog", known: ["staletipseconds", "crosscheckseconds"])
        #expect(unknown.map(\.key) == ["staletipsecond"])
        #expect(unknown.first?.line == 2)
    }
}
