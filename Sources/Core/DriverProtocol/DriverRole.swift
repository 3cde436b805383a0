/// What the core asks of a driver, read from the directions it declares (docs/driver-protocol.md,
/// "Capability combinations"). A manifest declaring neither direction is refused.
///
/// ```
///   send  receive   role        the core sends it                         it may send the core
///   yes   yes       two-way     every request of its kinds                 messagereceived of its kinds (answered)
///   no    yes       feed        nothing but the handshake, ping, shutdown  headers/blocks pushed unasked (validated, kept bounded)
///   yes   no        send-only   requests of its kinds, broadcasttx         no messagereceived
/// ```
public enum DriverRole: String, Codable, Sendable, Hashable {
    /// Sends and receives: asked for headers and blocks, given transactions, and what its peers
    /// send on their own is answered (Serving).
    case twoWay = "two-way"
    /// Receive only (a broadcast feed: satellite, radio): never sent a request; the `headers` and
    /// `block` messages it pushes are its answers.
    case feed
    /// Send only: asked with `sendmessage` when the reply comes back as the call's result, and
    /// given emergency transactions (`broadcasttx`); it delivers nothing unsolicited.
    case sendOnly = "send-only"
}

extension TransportCapabilities {
    /// The role its directions give it (a driver declaring neither is refused at the handshake;
    /// it reads as `send-only` here, which asks nothing of it it cannot refuse).
    public var role: DriverRole {
        switch (send, receive) {
        case (true, true): .twoWay
        case (false, true): .feed
        default: .sendOnly
        }
    }

    /// A broadcast feed: declares `receive` and not `send`, so its unsolicited `headers` and
    /// `block` messages are the point rather than noise.
    public var isFeed: Bool { role == .feed }
}
