import Foundation
import Logging

/// Every message a logger received, for tests that check what the core or a driver logged (a
/// driver's stderr reaches the core's logger). Make loggers with ``logger(label:level:)`` or
/// ``RecordingLogHandler``.
public final class LogRecorder: @unchecked Sendable {
    // @unchecked: `records` is guarded by `lock`.
    private let lock = NSLock()
    private var records: [(message: String, metadata: Logger.Metadata)] = []

    public init() {}

    /// Keeps a message and its metadata.
    public func add(_ message: String, metadata: Logger.Metadata = [:]) {
        lock.withLock { records.append((message, metadata)) }
    }

    /// The messages with their metadata, in order.
    public var entries: [(message: String, metadata: Logger.Metadata)] { lock.withLock { records } }

    /// The messages, in order.
    public var all: [String] { entries.map(\.message) }

    /// Whether some message contains `text`.
    public func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }

    /// Waits for a message that contains every one of `parts`.
    /// - Returns: the message, or nil on timeout.
    public func waitFor(_ parts: [String], timeout: Duration = .seconds(30)) async -> String? {
        await firstLine(containing: parts, timeout: timeout) { all }
    }

    /// A logger whose messages land here.
    public func logger(label: String, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in RecordingLogHandler(self) }
        logger.logLevel = level
        return logger
    }
}

/// A swift-log handler that hands every message, with its merged metadata, to a ``LogRecorder``.
public struct RecordingLogHandler: LogHandler {
    public let recorder: LogRecorder
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(_ recorder: LogRecorder) { self.recorder = recorder }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        recorder.add("\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { _, new in new })
    }
}
