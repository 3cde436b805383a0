@testable import altnet_bench
import Testing

/// The machine header's parsing of /proc text, from samples (no /proc read).
@Suite struct MachineInfoTests {
    @Test("/proc/loadavg: the three averages, and nil for text that is not one")
    func loadAverage() throws {
        let load = try #require(MachineInfo.loadAverage(procLoadavg: "4.79 8.07 10.35 10/207 7776\n"))
        #expect(load == MachineInfo.LoadAverage(oneMinute: 4.79, fiveMinutes: 8.07, fifteenMinutes: 10.35))
        #expect(MachineInfo.loadAverage(procLoadavg: "") == nil)
        #expect(MachineInfo.loadAverage(procLoadavg: "0.52 0.58") == nil)
        #expect(MachineInfo.loadAverage(procLoadavg: "a b c 1/2 3") == nil)
    }

    @Test("/proc/cpuinfo: the first model name, trimmed; nil without one")
    func cpuModel() {
        let cpuinfo = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model\t\t: 1
            model name\t: AMD EPYC 7B13 64-Core Processor
            flags\t\t: fpu vme: de

            processor\t: 1
            model name\t: Something Else
            """
        #expect(MachineInfo.cpuModel(cpuinfo: cpuinfo) == "AMD EPYC 7B13 64-Core Processor")
        // "model" alone is a number, not the name.
        #expect(MachineInfo.cpuModel(cpuinfo: "processor\t: 0\nmodel\t\t: 1\nHardware\t: BCM2835\n") == nil)
        #expect(MachineInfo.cpuModel(cpuinfo: "model name\t: \n") == nil)
    }

    @Test("/proc/PID/stat: utime + stime in seconds, read after the last ')' of the command name")
    func procStat() throws {
        // A command name with a space and a ')' in it; utime 250 and stime 50 ticks.
        let line = "7778 (my prog) x) S 7771 7771 880 0 -1 4194304 117 0 0 0 250 50 0 0 20 0 1 0 2616413 3133440 388"
        #expect(CPUClock.statSeconds(line, ticksPerSecond: 100) == 3.0)
        #expect(CPUClock.statSeconds("7778 (cat) R 1 2 3", ticksPerSecond: 100) == nil)
        #expect(CPUClock.statSeconds("no parenthesis at all", ticksPerSecond: 100) == nil)
    }

    @Test("bitcoind's command line: regtest, RPC on loopback only, no listening, the given queue sizes")
    func bitcoindArguments() {
        let arguments = RPCProxyBench.bitcoindArguments(datadir: "/tmp/x", rpcPort: 18443, p2pPort: 18444, rpcThreads: 8, rpcWorkQueue: 32)
        for expected in ["-regtest", "-server", "-datadir=/tmp/x", "-rpcport=18443", "-port=18444", "-listen=0",
                         "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcthreads=8", "-rpcworkqueue=32"] {
            #expect(arguments.contains(expected), "\(expected)")
        }
        // Cookie auth: no user or password on the command line.
        #expect(!arguments.contains { $0.hasPrefix("-rpcuser") || $0.hasPrefix("-rpcpassword") })
    }
}
