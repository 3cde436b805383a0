import AltnetConfig
import AltnetDaemon
import Altstack
import DriverProtocol
import Testing

/// `[driver.NAME]` sections: any driver, any number of instances (no processes).
@Suite struct DriverSectionTests {
    func settings(_ text: String, flags: [String] = []) throws -> DaemonSettings {
        let file = try ConfigFile(parsing: "network=regtest\n[bitcoind]\nrpccookiefile=/c/.cookie\n" + text)
        let overrides = try ConfigFile(flags: flags, sectionFlags: Set(DaemonSettings.driverSections))
        return try DaemonSettings(file.overridden(by: overrides), bitcoindDataDir: "/home/me/.bitcoin")
    }

    func configs(_ s: DaemonSettings, nodeIDs: [String: String] = [:], executables: Set<String> = []) -> [DriverConfig] {
        DriverConfigs.make(settings: s, dataDir: "/data", executableDirectory: "/opt/altnet/bin", nodeIDs: nodeIDs,
                           isExecutable: { executables.contains($0) })
    }

    @Test func anyDriverAnyNumberOfInstances() throws {
        let s = try settings("""
            [bip324]
            connect=1.2.3.4:8333
            [driver.example]
            command=/usr/bin/python3 '/opt/my drivers/driver.py' --verbose
            headers_file=/tmp/h.txt
            [driver.ln1]
            command=altnet-driver-lightning
            listen=127.0.0.1:9735
            [driver.ln2]
            command=altnet-driver-lightning
            connect=02ab@127.0.0.1:9736
            [driver.tor]
            command=/opt/altnet/bin/altnet-driver-bip324
            proxy=127.0.0.1:9050
            """)
        #expect(s.drivers.map(\.name) == ["bip324", "example", "ln1", "ln2", "tor"])
        #expect(s.drivers.map(\.nodeKey) == [false, false, true, true, false])
        #expect(s.drivers.map(\.kind) == ["bip324", nil, "lightning", "lightning", "bip324"])
        let made = configs(s, nodeIDs: ["ln1": "02aa", "ln2": "03bb"], executables: ["/opt/altnet/bin/altnet-driver-lightning"])
        #expect(made.map(\.executable) == ["/opt/altnet/bin/altnet-driver-bip324", "/usr/bin/python3",
                                            "/opt/altnet/bin/altnet-driver-lightning", "/opt/altnet/bin/altnet-driver-lightning",
                                            "/opt/altnet/bin/altnet-driver-bip324"])
        #expect(made[1].arguments == ["/opt/my drivers/driver.py", "--verbose"])
        // Each instance: its own data directory, options (command is the core's), node id, priority.
        #expect(made.map(\.dataDir) == ["/data/bip324", "/data/example", "/data/ln1", "/data/ln2", "/data/tor"])
        #expect(made[1].options == ["headers_file": .string("/tmp/h.txt")])
        #expect(made[2].options["node_id"] == .string("02aa") && made[3].options["node_id"] == .string("03bb"))
        #expect(made[3].options["connect"] == .array([.string("02ab@127.0.0.1:9736")]))
        #expect(made[4].options == ["proxy": .string("127.0.0.1:9050")])
        #expect(made.map(\.priority) == [0, 1, 2, 3, 4])
    }

    /// `[rpc]` is `[driver.rpc]` with the built-in command: same options, same bitcoind defaults.
    @Test func builtInSectionsAreShorthands() throws {
        let short = configs(try settings("[rpc]\ntimeoutseconds=5\n"))
        let long = configs(try settings("[driver.rpc]\ncommand=/opt/altnet/bin/altnet-driver-rpc\ntimeoutseconds=5\n"))
        #expect(short.map(\.name) == long.map(\.name))
        #expect(short.map(\.executable) == long.map(\.executable))
        #expect(short.map(\.options) == long.map(\.options))
        #expect(long[0].options["rpccookiefile"] == .string("/c/.cookie"))
        // And as flags.
        let flagged = configs(try settings("", flags: ["--driver.rpc.command=/opt/altnet/bin/altnet-driver-rpc", "--driver.rpc.timeoutseconds=5"]))
        #expect(flagged.map(\.options) == long.map(\.options))
    }

    @Test func bareNamesAndRelativePaths() throws {
        let s = try settings("[driver.a]\ncommand=mydriver\n[driver.b]\ncommand=drivers/x.py\n[driver.c]\ncommand=sh -c 'exit 1'\n")
        let made = configs(s, executables: ["/bin/sh", "/usr/bin/sh"])
        #expect(made[0].executable == "mydriver")  // found nowhere: the start-up check names it
        #expect(made[1].executable == "/data/drivers/x.py")
        #expect(made[2].executable.hasSuffix("/sh") && made[2].arguments == ["-c", "exit 1"])
    }

    @Test func clearErrors() throws {
        func problem(_ text: String) -> String {
            do {
                _ = try settings(text)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("[driver.Ln]\ncommand=x\n").contains("a driver name is 1 to 32 characters"))
        #expect(problem("[driver.a.b]\ncommand=x\n").contains("a driver name"))
        #expect(problem("[bip324]\n[driver.bip324]\ncommand=x\n").contains("two drivers are named bip324"))
        #expect(problem("[driver.x]\nlisten=1\n").contains("[driver.x] command=: missing"))
        #expect(problem("[driver.x]\ncommand=a\ncommand=b\n").contains("given 2 times"))
        #expect(problem("[driver.x]\ncommand='a\n").contains("unterminated ' quote"))
        #expect(problem("[driver.x]\ncommand=a\nnodekey=maybe\n").contains("nodekey"))
        #expect(problem("[drivers]\nx=1\n").contains("unknown configuration key"))
        // nodekey= overrides the default either way.
        let s = try settings("[driver.x]\ncommand=/opt/cln-carrier\nnodekey=1\n[driver.y]\ncommand=altnet-driver-lightning\nnodekey=0\n")
        #expect(s.drivers.map(\.nodeKey) == [true, false])
        #expect(configs(s)[0].options.isEmpty)
    }
}
