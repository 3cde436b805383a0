import BitcoindZMQ
import Watchdog

extension FeedEvent {
    /// The watchdog's view of one ZMQ event from bitcoind (nil: nothing the watchdog uses).
    public init?(zmq event: ZMQEvent) {
        switch event {
        case .message(let m):
            switch m.notification {
            case .hashBlock(let h): self = .blockConnected(h)
            case .rawBlock(let b): self = .blockConnected(b.hash)
            case .sequence(.blockConnected(let h)): self = .blockConnected(h)
            case .sequence(.blockDisconnected(let h)): self = .blockDisconnected(h)
            default: return nil
            }
        case .gap(let topic, _, _, let missed): self = .gap(topic: topic.rawValue, missed: UInt64(missed))
        case .publisherRestarted(let topic, _, _): self = .publisherRestarted(topic: topic.rawValue)
        case .malformed(let e): self = .malformed(e.description)
        case .connected(let e): self = .connected(endpoint: e)
        case .disconnected(let e): self = .disconnected(endpoint: e)
        case .consumerLagged(let n): self = .consumerLagged(dropped: n)
        }
    }
}
