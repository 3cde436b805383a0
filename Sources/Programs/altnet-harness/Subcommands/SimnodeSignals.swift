import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a clean shutdown (so the cookie file is deleted).
struct SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    /// - Parameter onSignal: called once per signal received.
    static func start(_ onSignal: @escaping @Sendable () -> Void) -> SignalWatcher {
        let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler(handler: onSignal)
            s.resume()
            return s
        }
        return SignalWatcher(sources: sources)
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
