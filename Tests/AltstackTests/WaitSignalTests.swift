@testable import Altstack
import Testing

/// The supervisor's stop (latching) and wake-up (resetting) signals: one type, two kinds.
@Suite struct WaitSignalTests {
    @Test func aLatchingSignalStaysFired() async {
        let stop = WaitSignal(.latching)
        #expect(await stop.wait(upTo: .milliseconds(20)) == false)
        stop.fire()
        #expect(stop.isFired)
        #expect(await stop.wait(upTo: .seconds(10)) == true)
        #expect(await stop.wait(upTo: .seconds(10)) == true)
        stop.reset()
        #expect(stop.isFired)
    }

    @Test func aResettingSignalIsConsumedByOneWait() async {
        let wake = WaitSignal(.resetting)
        // Fired with nobody waiting: the next wait takes it, the one after waits again.
        wake.fire()
        #expect(await wake.wait(upTo: .seconds(10)) == true)
        #expect(await wake.wait(upTo: .milliseconds(20)) == false)
        // Fired while a wait is in progress: that wait ends, nothing is left pending.
        let waiting = Task { await wake.wait(upTo: .seconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        wake.fire()
        #expect(await waiting.value == true)
        #expect(!wake.isFired)
        // A pending wake-up can be forgotten.
        wake.fire()
        wake.reset()
        #expect(await wake.wait(upTo: .milliseconds(20)) == false)
    }

    @Test func cancellingAWaitEndsItUnfired() async {
        let wake = WaitSignal(.resetting)
        let waiting = Task { await wake.wait(upTo: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        #expect(await waiting.value == false)
    }
}
