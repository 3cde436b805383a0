import BitcoinPrimitives
import DriverProtocol
import Foundation

/// Every broadcast feed's ``FeedWindow``, by driver name, shared between the event pump (which
/// puts what feeds push) and ``FeedRouter`` (which reads it during rescues and cross-checks).
///
/// Bounded: one window per feed driver (at most ``maxFeeds``; a driver's window has its own caps),
/// so a feed that pushes without end costs a fixed amount of memory.
public final class FeedInbox: @unchecked Sendable {
    // @unchecked: `windows` and `dropped` are only touched under `lock`.
    private let lock = NSLock()
    private var windows: [String: FeedWindow] = [:]
    private var dropped = 0
    private let makeWindow: @Sendable () -> FeedWindow

    /// Feeds tracked at most (drivers come from altnet.conf, so this is a guard, not a limit met).
    public static let maxFeeds = 64

    /// - Parameter makeWindow: a new feed's window (its caps).
    public init(makeWindow: @escaping @Sendable () -> FeedWindow = { FeedWindow() }) {
        self.makeWindow = makeWindow
    }

    /// Takes a message a feed driver pushed (counted in `altnet_feed_messages_total`).
    /// - Returns: true when the feed's window changed (a reason to cross-check now).
    @discardableResult
    public func put(driver: String, peer: String, message: DriverP2PMessage) -> Bool {
        lock.withLock {
            guard windows[driver] != nil || windows.count < Self.maxFeeds else {
                dropped += 1
                return false
            }
            var window = windows[driver] ?? makeWindow()
            let changed = window.take(message, peer: peer)
            windows[driver] = window
            AltLogicMetrics.feedPush(driver: driver, kept: changed)
            return changed
        }
    }

    /// The feed's answer to a `getheaders` (``FeedWindow/headers(after:limit:)``), nil when it
    /// has none, with the peer it named.
    public func headers(driver: String, after locator: [BlockHash]) -> (peer: String, headers: [BlockHeader])? {
        lock.withLock {
            guard let window = windows[driver], let headers = window.headers(after: locator) else { return nil }
            return (window.lastPeer, headers)
        }
    }

    /// A block the feed pushed, as hex, with the peer it named.
    public func block(driver: String, hash: BlockHash) -> (peer: String, payload: String)? {
        lock.withLock {
            guard let window = windows[driver], let payload = window.block(hash) else { return nil }
            return (window.lastPeer, payload)
        }
    }

    /// Whether the feed holds any block (so it is worth listing among the block sources).
    public func hasBlocks(driver: String) -> Bool {
        lock.withLock { windows[driver].map { !$0.blocks.isEmpty } ?? false }
    }

    /// Forgets what a feed pushed (its headers were invalid: the core drops it as it would a peer).
    public func forget(driver: String) {
        lock.withLock { _ = windows.removeValue(forKey: driver) }
    }

    /// Headers held per feed, for `listdrivers` and tests.
    public func counts() -> [String: Int] {
        lock.withLock { windows.mapValues(\.count) }
    }
}
