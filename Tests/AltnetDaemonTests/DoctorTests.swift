import AltnetControl
@testable import AltnetDaemon
import Altstack
import BitcoindRPC
import Foundation
import Testing

/// `doctor`'s judgements over made-up inputs: each problem gives a FAIL or WARN line that says
/// what to do, and a healthy setup gives OK throughout.
@Suite struct DoctorTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    static func network(version: Int = 280_100, v2: Bool = true, offset: Int = 0) throws -> NetworkInfo {
        try decode(NetworkInfo.self, """
            {"version":\(version),"subversion":"/Satoshi:28.1.0/","localservicesnames":["NETWORK","WITNESS"\(v2 ? ",\"P2P_V2\"" : "")],"timeoffset":\(offset)}
            """)
    }

    static func chain(pruned: Bool = false, ibd: Bool = false) throws -> BlockchainInfo {
        try decode(BlockchainInfo.self, """
            {"chain":"regtest","blocks":5,"headers":5,"bestblockhash":"\(String(repeating: "0", count: 63))1","pruned":\(pruned)\(pruned ? ",\"pruneheight\":100" : ""),"initialblockdownload":\(ibd)}
            """)
    }

    static func driver(_ name: String, state: String = "ready", peers: Int = 1, lastError: String? = nil) throws -> DriverSnapshot {
        let list = (0..<peers).map { #"{"id":"\#($0)","address":"127.0.0.1:1\#($0)","direction":"outbound","transport":"v2"}"# }
        return try decode(DriverSnapshot.self, """
            {"name":"\(name)","state":"\(state)","pid":42,"peers":[\(list.joined(separator: ","))],"starts":\(state == "parked" ? 8 : 1),"priority":0\(lastError.map { ",\"lastError\":\"\($0)\"" } ?? "")}
            """)
    }

    static func healthy() throws -> DoctorInputs {
        DoctorInputs(
            rpcEndpoint: "127.0.0.1:18443", credentialsSource: "cookie /b/regtest/.cookie", network: .success(try network()),
            chain: try chain(), zmqPublishers: .success([ZMQNotificationInfo(type: "pubhashblock", address: "tcp://127.0.0.1:28332")]),
            zmqSubscribed: "tcp://127.0.0.1:28332", zmqActivity: .init(messages: 3, last: 990),
            drivers: [try driver("bip324", peers: 2)], rpcProxyAnswers: false, dataDir: "/var/lib/altnet",
            diskFreeBytes: 50 << 30, now: 1000)
    }

    static func check(_ checks: [DoctorCheck], _ name: String) throws -> DoctorCheck {
        try #require(checks.first { $0.check == name }, "no \(name) line in \(DoctorCheck.render(checks))")
    }

    @Test func healthySetupIsAllOK() throws {
        let checks = Doctor.checks(try Self.healthy())
        #expect(checks.map(\.check) == ["bitcoind", "credentials", "sync", "zmq", "pruning", "v2transport", "driver bip324", "clock", "disk"])
        #expect(checks.allSatisfy { $0.status == .ok }, "\(DoctorCheck.render(checks))")
        #expect(DoctorCheck.exitStatus(checks) == 0)
        #expect(try Self.check(checks, "bitcoind").detail.contains("v28.1.0"))
        #expect(try Self.check(checks, "driver bip324").detail.contains("2 peers (2 v2)"))
    }

    @Test func unreachableBitcoindFailsWithWhatToDo() throws {
        var input = try Self.healthy()
        input.network = .failure(BitcoindRPCError(.connectionRefused("ECONNREFUSED"), method: "getnetworkinfo"))
        let checks = Doctor.checks(input)
        let bitcoind = try Self.check(checks, "bitcoind")
        #expect(bitcoind.status == .fail)
        #expect(bitcoind.fix?.contains("start bitcoind") == true)
        #expect(bitcoind.line.hasPrefix("FAIL bitcoind: nothing answers at 127.0.0.1:18443 (connection refused). Fix: start bitcoind"))
        #expect(try Self.check(checks, "zmq").status == .warn)
        #expect(DoctorCheck.exitStatus(checks) == 1)
    }

    @Test func refusedCredentialsFail() throws {
        var input = try Self.healthy()
        input.network = .failure(BitcoindRPCError(.unauthorized, method: "getnetworkinfo"))
        let credentials = try Self.check(Doctor.checks(input), "credentials")
        #expect(credentials.status == .fail)
        #expect(credentials.fix?.contains("rpccookiefile") == true)
    }

    @Test func oldBitcoindFails() throws {
        var input = try Self.healthy()
        input.network = .success(try Self.network(version: 250_100))
        let bitcoind = try Self.check(Doctor.checks(input), "bitcoind")
        #expect(bitcoind.status == .fail && bitcoind.detail.contains("v25.1.0") && bitcoind.fix?.contains("v26") == true)
    }

    @Test func zmqProblemsNameTheLinesToAdd() throws {
        var input = try Self.healthy()
        input.zmqPublishers = .success([])
        input.zmqSubscribed = nil
        let none = try Self.check(Doctor.checks(input), "zmq")
        #expect(none.status == .fail)
        #expect(none.fix?.contains("zmqpubhashblock=tcp://127.0.0.1:28332") == true, "\(none.line)")

        input.zmqSubscribed = "tcp://127.0.0.1:29000"
        let silent = try Self.check(Doctor.checks(input), "zmq")
        #expect(silent.status == .fail && silent.fix?.contains("zmqpubhashblock=tcp://127.0.0.1:29000") == true, "\(silent.line)")

        input.zmqPublishers = .success([ZMQNotificationInfo(type: "pubhashblock", address: "tcp://127.0.0.1:28332")])
        let elsewhere = try Self.check(Doctor.checks(input), "zmq")
        #expect(elsewhere.status == .fail && elsewhere.fix == "set [bitcoind] zmqpub=tcp://127.0.0.1:28332", "\(elsewhere.line)")

        // A publisher bound to every address is reached on loopback.
        input.zmqPublishers = .success([ZMQNotificationInfo(type: "pubhashblock", address: "tcp://0.0.0.0:29000")])
        #expect(try Self.check(Doctor.checks(input), "zmq").status == .ok)
        // Configured, but nothing arrived yet: a warning, not a failure.
        input.zmqActivity = .init()
        #expect(try Self.check(Doctor.checks(input), "zmq").status == .warn)
    }

    @Test func parkedDriverFailsWithItsError() throws {
        var input = try Self.healthy()
        input.drivers = [try Self.driver("bip324", state: "parked", peers: 0, lastError: "exited with status 1"),
                         try Self.driver("lightning", peers: 0)]
        let checks = Doctor.checks(input)
        let parked = try Self.check(checks, "driver bip324")
        #expect(parked.status == .fail && parked.detail.contains("exited with status 1") && parked.fix?.contains("restart altnetd") == true)
        #expect(try Self.check(checks, "driver lightning").status == .warn)
        input.drivers = []
        #expect(try Self.check(Doctor.checks(input), "drivers").status == .warn)
    }

    @Test func pruningClockDiskAndV2() throws {
        var input = try Self.healthy()
        input.chain = try Self.chain(ibd: true)
        let sync = try Self.check(Doctor.checks(input), "sync")
        #expect(sync.status == .warn && sync.detail.contains("initial block download"))
        input.chain = try Self.chain(pruned: true)
        #expect(try Self.check(Doctor.checks(input), "pruning").status == .warn)
        input.rpcProxyAnswers = true
        #expect(try Self.check(Doctor.checks(input), "pruning").status == .ok)

        input.network = .success(try Self.network(v2: false, offset: -120))
        let checks = Doctor.checks(input)
        #expect(try Self.check(checks, "v2transport").fix?.contains("v2transport=1") == true)
        #expect(try Self.check(checks, "clock").status == .warn)
        input.network = .success(try Self.network(offset: 700))
        #expect(try Self.check(Doctor.checks(input), "clock").status == .fail)

        input.diskFreeBytes = 50 << 20
        #expect(try Self.check(Doctor.checks(input), "disk").status == .fail)
        input.diskFreeBytes = 500 << 20
        #expect(try Self.check(Doctor.checks(input), "disk").status == .warn)
    }
}
