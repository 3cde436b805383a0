import Foundation

/// What altnetd's ZMQ subscriber has received: a count and the time of the last notification,
/// for `doctor`'s "ZMQ delivering" check and the status page. Written by the ZMQ feed, read by
/// the control methods.
final class ZMQActivity: Sendable {
    struct Snapshot: Sendable, Equatable {
        /// Notifications received since altnetd started.
        var messages: Int = 0
        /// Unix seconds of the last one.
        var last: Double?
    }

    private let box = LockedBox(Snapshot())

    /// Counts one notification received now.
    func received(at now: Double = Date().timeIntervalSince1970) {
        box.update {
            $0.messages += 1
            $0.last = now
        }
    }

    var snapshot: Snapshot { box.get() }
}
