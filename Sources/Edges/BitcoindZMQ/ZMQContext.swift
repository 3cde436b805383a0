import CZeroMQ
import Foundation

/// Why the subscriber could not start or had to stop: a libzmq call failed.
public struct ZMQSubscriberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libzmq function that failed, with its argument when useful.
    public let call: String
    /// `zmq_errno()` after the failure.
    public let code: Int32
    public let message: String

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    public var description: String { "\(call) failed: \(message) (errno \(code))" }
}

/// A libzmq context owned by one receiving thread and stoppable from any other.
///
/// `@unchecked Sendable` because the raw pointer crosses threads. That is safe here: libzmq
/// contexts are thread-safe, ``shutdown()`` only touches the pointer under the lock while the
/// context is alive, and ``terminate()`` marks it dead under the same lock before destroying it.
final class ZMQContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var alive = true

    /// - Throws: ``ZMQSubscriberError`` if libzmq cannot create a context.
    init() throws(ZMQSubscriberError) {
        guard let p = zmq_ctx_new() else { throw ZMQSubscriberError(call: "zmq_ctx_new", code: zmq_errno()) }
        pointer = p
    }

    /// Makes every blocking call on the context's sockets return ETERM. Idempotent; any thread.
    func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        if alive { zmq_ctx_shutdown(pointer) }
    }

    /// Destroys the context once all its sockets are closed. Only the owning thread calls it.
    func terminate() {
        lock.lock()
        alive = false
        lock.unlock()
        while zmq_ctx_term(pointer) != 0 && zmq_errno() == EINTR {}
    }
}
