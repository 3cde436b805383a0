import Altstack
import DriverProtocol
import Foundation
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Supervision with real subprocesses: kill -9 in a loop under load, a crasher that gets
/// parked, a hung driver replaced through the heartbeat.
@Suite(.serialized) struct SupervisionTests {
    /// Outcome counters of the request stream.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var byDriver: [String: Int] = [:]
        private(set) var failures: [String] = []
        private(set) var slowest: Duration = .zero

        func record(_ outcome: Result<String, AltstackError>, took: Duration) {
            lock.withLock {
                switch outcome {
                case .success(let driver): byDriver[driver, default: 0] += 1
                case .failure(let error): failures.append(error.description)
                }
                slowest = max(slowest, took)
            }
        }

        var total: Int { lock.withLock { byDriver.values.reduce(0, +) + failures.count } }
        var snapshot: ([String: Int], [String], Duration) { lock.withLock { (byDriver, failures, slowest) } }
    }

    @Test func killNineFiftyTimesWhileRequestsStream() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("victim", ["--kinds", "headers"], priority: 0),
            try DriverFixtures.testDriverConfig("backup", ["--kinds", "headers"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            let victim = try #require(altstack.supervisor(named: "victim"))
            let tally = Tally()
            let stop = LockedFlag()
            let requestTimeout: Duration = .seconds(5)
            let streams = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while !stop.isSet {
                                let start = ContinuousClock.now
                                do throws(AltstackError) {
                                    let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: requestTimeout)
                                    tally.record(.success(answer.driver), took: ContinuousClock.now - start)
                                } catch {
                                    tally.record(.failure(error), took: ContinuousClock.now - start)
                                }
                            }
                        }
                    }
                }
            }
            var recoveries: [Duration] = []
            for round in 0..<50 {
                let readyAgain = await eventually(timeout: .seconds(10)) { victim.snapshot.state == .ready && victim.snapshot.pid != nil }
                try #require(readyAgain, "victim not ready before kill \(round): \(victim.snapshot)")
                try await Task.sleep(for: .milliseconds(150))  // let requests flow through it
                let pid = try #require(victim.snapshot.pid)
                let killedAt = ContinuousClock.now
                #expect(kill(pid, SIGKILL) == 0)
                let back = await eventually(timeout: .seconds(10)) {
                    let s = victim.snapshot
                    return s.state == .ready && s.pid != nil && s.pid != pid
                }
                try #require(back, "victim not back after kill \(round): \(victim.snapshot)")
                recoveries.append(ContinuousClock.now - killedAt)
            }
            stop.set()
            await streams.value

            let (byDriver, failures, slowest) = tally.snapshot
            let sorted = recoveries.sorted()
            let median = sorted[sorted.count / 2]
            print("kill -9 x50: recovery median \(median), max \(sorted.last ?? .zero); requests \(byDriver), failures \(failures.count), slowest \(slowest)")
            #expect(median < .seconds(1))
            #expect(victim.snapshot.starts == 51)
            #expect(victim.snapshot.state == .ready)
            // Requests went through both drivers: failover carried them while the victim was down.
            #expect((byDriver["victim"] ?? 0) > 0)
            #expect((byDriver["backup"] ?? 0) > 0)
            // None hung: every request finished within its deadline (plus scheduling slack), and
            // any failure is a typed AltstackError naming each driver's error.
            #expect(slowest < requestTimeout + .seconds(1))
            #expect(failures.allSatisfy { !$0.isEmpty })
            #expect(tally.total > 100)
        }
    }

    @Test func driverThatCrashesOnStartIsParked() async throws {
        let config = try DriverFixtures.testDriverConfig(
            "crasher", ["--kinds", "headers", "--crash-on-init"],
            restart: RestartPolicy(baseDelay: .milliseconds(20), maxDelay: .milliseconds(200), stableUptime: .seconds(5), parkAfter: 5))
        try await withAltstack([config]) { altstack in
            let supervisor = try #require(altstack.supervisor(named: "crasher"))
            #expect(await eventually(timeout: .seconds(20)) { supervisor.snapshot.state == .parked })
            let snapshot = supervisor.snapshot
            #expect(snapshot.starts == 5)
            #expect(snapshot.lastError?.contains("parked after 5 failures") == true, "\(snapshot.lastError ?? "")")
            // Parked means parked: no further starts.
            try await Task.sleep(for: .milliseconds(500))
            #expect(supervisor.snapshot.starts == 5)
            do throws(AltstackError) {
                _ = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(1))
                Issue.record("no driver is running")
            } catch {
                #expect(error.kind == .noReadyDriver)
            }
        }
    }

    @Test func hungDriverIsDetectedByHeartbeatAndReplaced() async throws {
        let config = try DriverFixtures.testDriverConfig(
            "sleepy", ["--kinds", "headers", "--hang-after-ms", "300"],
            timeouts: .init(request: .seconds(5), heartbeatInterval: .milliseconds(200), heartbeatTimeout: .milliseconds(500), shutdownGrace: .seconds(1)))
        try await withAltstack([config]) { altstack in
            let supervisor = try #require(altstack.supervisor(named: "sleepy"))
            #expect(await eventually { supervisor.snapshot.state == .ready })
            let firstPid = try #require(supervisor.snapshot.pid)
            // A request in flight when it hangs fails with a clear error instead of hanging.
            let start = ContinuousClock.now
            let outcome = await Task {
                try await Task.sleep(for: .milliseconds(400))
                return try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(5))
            }.result
            #expect(ContinuousClock.now - start < .seconds(6))
            if case .failure(let error) = outcome { #expect(error is AltstackError) }
            #expect(await eventually(timeout: .seconds(10)) {
                let s = supervisor.snapshot
                return s.state == .ready && s.pid != nil && s.pid != firstPid
            })
            #expect(supervisor.snapshot.lastError?.contains("hung") == true, "\(supervisor.snapshot.lastError ?? "")")
            // The stopped (SIGSTOP) process was killed and reaped, not left behind.
            #expect(kill(firstPid, 0) == -1)
        }
    }

    @Test func driverWithoutACommonProtocolVersionIsParkedAtOnce() async throws {
        let config = try DriverFixtures.testDriverConfig("future", ["--kinds", "headers", "--protocol-versions", "2,3"])
        try await withAltstack([config]) { altstack in
            let supervisor = try #require(altstack.supervisor(named: "future"))
            #expect(await eventually { supervisor.snapshot.state == .parked })
            #expect(supervisor.snapshot.starts == 1)
            let reason = supervisor.snapshot.lastError ?? ""
            #expect(reason.contains("incompatible") && reason.contains("[2, 3]"), "\(reason)")
        }
    }

    @Test func driverWritingNoiseOnStdoutIsTreatedAsBreachingAndParked() async throws {
        let config = DriverConfig(
            name: "noisy", executable: try DriverFixtures.python(),
            arguments: [DriverFixtures.packageFile("integration/driver_broken.py"), "--fault", "noise"],
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-test-noisy").path,
            restart: RestartPolicy(baseDelay: .milliseconds(20), stableUptime: .seconds(5), parkAfter: 3))
        try await withAltstack([config]) { altstack in
            let supervisor = try #require(altstack.supervisor(named: "noisy"))
            #expect(await eventually(timeout: .seconds(20)) { supervisor.snapshot.state == .parked })
            #expect(supervisor.snapshot.starts == 3)
            let reason = supervisor.snapshot.lastError ?? ""
            #expect(reason.contains("protocol breach") && reason.contains("starting up"), "\(reason)")
        }
    }

    @Test func gracefulStopSendsShutdownAndTheDriverExits() async throws {
        let altstack = Altstack(drivers: [try DriverFixtures.testDriverConfig("polite", ["--kinds", "headers"])], logger: DriverFixtures.logger)
        let runner = Task { try await altstack.run() }
        #expect(await altstack.waitUntilReady())
        let pid = try #require(altstack.snapshot().first?.pid)
        let start = ContinuousClock.now
        altstack.stop()
        _ = try? await runner.value
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(altstack.snapshot().first?.state == .stopped)
        #expect(kill(pid, 0) == -1)
    }

    @Test func serviceGroupGracefulShutdownStopsEveryDriver() async throws {
        let altstack = Altstack(
            drivers: [try DriverFixtures.testDriverConfig("s1", ["--kinds", "headers"]), try DriverFixtures.testDriverConfig("s2", ["--kinds", "blocks"])],
            logger: DriverFixtures.logger)
        let group = ServiceGroup(services: [altstack], logger: DriverFixtures.logger)
        let runner = Task { try await group.run() }
        #expect(await altstack.waitUntilReady())
        let pids = altstack.snapshot().compactMap(\.pid)
        #expect(pids.count == 2)
        await group.triggerGracefulShutdown()
        try await runner.value
        #expect(altstack.snapshot().allSatisfy { $0.state == .stopped })
        #expect(pids.allSatisfy { kill($0, 0) == -1 })
    }
}

/// A flag set once.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
