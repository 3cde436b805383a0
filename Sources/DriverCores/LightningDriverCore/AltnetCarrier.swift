/// What the altnet session needs of a carrier to send (docs/driver-lightning.md, "Session core
/// and carriers"): a BOLT 8 link per peer today, Core Lightning's `sendcustommsg` next.
public protocol AltnetCarrier: Sendable {
    /// Sends one peer's Lightning messages in order: all of them or none.
    /// - Parameter outgoing: the peer and its messages, from ``AltnetSession``.
    /// - Returns: false when the carrier has no link to that peer (it has just left).
    /// - Throws: ``OutboundQueueFull`` when the messages do not fit in what the carrier may hold
    ///   for the peer.
    func deliver(_ outgoing: AltnetOutgoing) throws(OutboundQueueFull) -> Bool
}
