import Foundation
import LightningAltnetMessages

/// A peer's ``AltnetReassembler`` shared by the connection's reader and its expiry timer.
final class Reassembly: @unchecked Sendable {
    // @unchecked: `reassembler` is guarded by `lock`.
    private let lock = NSLock()
    private var reassembler: AltnetReassembler<ContinuousClock.Instant>

    /// - Parameter limits: what the peer may make us hold (docs/lightning-messages.md section 6).
    init(limits: AltnetReassemblyLimits = AltnetReassemblyLimits()) {
        reassembler = AltnetReassembler(limits: limits)
    }

    /// Feeds one received Lightning message; see ``AltnetReassembler/receive(_:now:)``.
    func receive(type: UInt16, payload: [UInt8]) throws(AltnetMessageError) -> AltnetReassembler<ContinuousClock.Instant>.Outcome {
        let message = LightningMessage(type: type, payload: payload)
        let now = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        return try reassembler.receive(message, now: now)
    }

    /// Drops the messages past their deadline.
    /// - Returns: one error per dropped message, for the log.
    func expire() -> [AltnetMessageError] {
        let now = ContinuousClock.now
        return lock.withLock { reassembler.expire(now: now) }
    }

    /// Fragment bytes held now.
    var bufferedByteCount: Int { lock.withLock { reassembler.bufferedByteCount } }
}
