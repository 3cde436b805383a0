import Foundation
import Synchronization
import Testing

@testable import Simnode

/// `uptime` (src/rpc/server.cpp: GetTime() - GetStartupTime()) against an injected clock, so the
/// answer is exact rather than merely non-negative.
@Suite struct SimnodeUptimeTests {
    final class ManualClock: Sendable {
        let seconds: Mutex<Int64>
        init(_ start: Int64) { seconds = Mutex(start) }
        func advance(by delta: Int64) { seconds.withLock { $0 += delta } }
        var now: Int64 { seconds.withLock { $0 } }
    }

    @Test func uptimeIsSecondsSinceStart() async throws {
        let clock = ManualClock(1_800_000_000)
        let node = try SimnodeNode(publisher: nil, clock: { clock.now })
        #expect(try await node.call("uptime", params: .array([])) == .int(0))
        clock.advance(by: 42)
        #expect(try await node.call("uptime", params: .array([])) == .int(42))
        clock.advance(by: 3_600)
        #expect(try await node.call("uptime", params: .array([])) == .int(3_642))
    }
}
