import AltLogic
import Altstack
import DriverProtocol

/// Where a message a driver delivered unasked goes, by the driver's declared capabilities
/// (docs/driver-protocol.md, "Capability combinations"): everything a broadcast feed (`receive`
/// without `send`) delivers goes to the ``FeedInbox``, which keeps its `headers` and `block` in a
/// bounded window (and counts the rest as ignored), read by the next cross-check, which this
/// triggers at once when the window changed. A two-way driver's messages are for ``Serving``.
struct FeedIntake: Sendable {
    let altstack: Altstack
    let inbox: FeedInbox
    let tick: AsyncStream<Void>.Continuation

    /// - Returns: true when the message was a feed's and is dealt with here (a feed cannot be
    ///   answered, it does not send: nothing it delivers goes to Serving).
    func take(driver: String, peer: String, message: DriverP2PMessage) -> Bool {
        guard let capabilities = altstack.supervisor(named: driver)?.snapshot.capabilities, capabilities.isFeed else { return false }
        if inbox.put(driver: driver, peer: peer, message: message) { tick.yield() }
        return true
    }
}
