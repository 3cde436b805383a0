import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Issue 15, supervision: a parked driver is tried again on a slow schedule, and `restart()`
/// (`altnet-cli restartdriver NAME`) restarts a running or parked one at once.
@Suite(.serialized) struct ParkedRetryTests {
    @Test func parkedDriverIsRetriedOnItsSlowSchedule() async throws {
        let restart = RestartPolicy(baseDelay: .milliseconds(50), stableUptime: .seconds(10), parkAfter: 2, parkedRetry: .milliseconds(700))
        let config = try DriverFixtures.testDriverConfig("crasher", ["--crash-on-init"], restart: restart)
        try await withAltstack([config]) { altstack in
            let crasher = try #require(altstack.supervisor(named: "crasher"))
            #expect(await eventually(timeout: .seconds(10)) { crasher.snapshot.state == .parked })
            let startsWhenParked = crasher.snapshot.starts
            #expect(startsWhenParked == 2)
            // Within a few retry periods it is started again, and parked again after one more failure.
            #expect(await eventually(timeout: .seconds(10)) { crasher.snapshot.starts >= startsWhenParked + 2 })
            let s = crasher.snapshot
            #expect(s.state == .parked || s.state == .starting)
            // One start per retry, not a burst of parkAfter starts: 2 retries in ~1.4 s at most 3-4 starts.
            #expect(s.starts <= startsWhenParked + 4)
        }
    }

    @Test func restartRestartsReadyAndParkedDriversAtOnce() async throws {
        let longPark = RestartPolicy(baseDelay: .milliseconds(50), stableUptime: .seconds(10), parkAfter: 1, parkedRetry: .seconds(3600))
        let configs = [
            try DriverFixtures.testDriverConfig("steady", ["--kinds", "headers"]),
            try DriverFixtures.testDriverConfig("crasher", ["--crash-on-init"], restart: longPark),
        ]
        try await withAltstack(configs) { altstack in
            let steady = try #require(altstack.supervisor(named: "steady"))
            let crasher = try #require(altstack.supervisor(named: "crasher"))
            #expect(await eventually(timeout: .seconds(10)) { steady.snapshot.state == .ready && crasher.snapshot.state == .parked })
            let pid = try #require(steady.snapshot.pid)
            #expect(steady.restart() == .ready)
            #expect(await eventually(timeout: .seconds(10)) {
                let s = steady.snapshot
                return s.state == .ready && s.pid != nil && s.pid != pid
            })
            #expect(steady.snapshot.starts == 2)
            // Parked for an hour; restart() tries it now.
            let before = crasher.snapshot.starts
            #expect(crasher.restart() == .parked)
            #expect(await eventually(timeout: .seconds(5)) { crasher.snapshot.starts == before + 1 })
            #expect(await eventually(timeout: .seconds(5)) { crasher.snapshot.state == .parked })
        }
    }
}
