import DriverProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes protocol messages (lines or binary frames) to a file descriptor with `write(2)`, one
/// whole message per call under a lock, so messages from concurrent handlers never interleave and
/// nothing sits in a stdio buffer. It also holds the output's framing: JSON lines until `init`'s
/// answer switches it (``write(_:switchingTo:)``).
public final class LineWriter: @unchecked Sendable {
    // @unchecked: `fd` is immutable; writes and `current` are serialized by `lock`.
    private let fd: Int32
    private let lock = NSLock()
    private var current = DriverFraming.json

    /// - Parameter fd: the descriptor (1, standard output, for a driver).
    public init(fd: Int32 = 1) { self.fd = fd }

    /// How messages written from now on are to be encoded.
    public var framing: DriverFraming { lock.withLock { current } }

    /// Writes one message, then switches the framing for the messages after it (under the same
    /// lock: nothing written by another task can fall between the two).
    /// - Returns: false when the descriptor is closed or failing.
    @discardableResult
    public func write(_ message: [UInt8], switchingTo framing: DriverFraming) -> Bool {
        lock.withLock {
            current = framing
            return writeAll(message)
        }
    }

    /// Writes one message (a line ending with a newline, or a binary frame).
    /// - Returns: false when the descriptor is closed or failing.
    @discardableResult
    public func write(_ line: [UInt8]) -> Bool {
        lock.withLock { writeAll(line) }
    }

    private func writeAll(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                #if canImport(Glibc) || canImport(Musl)
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                #else
                let n = Darwin.write(fd, base + offset, raw.count - offset)
                #endif
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}

/// Reads a file descriptor on a dedicated thread and splits it into lines and binary frames
/// (``DriverFrameDecoder``) under the protocol's size limit. Blocking reads on their own thread
/// keep the cooperative pool free.
public enum LineReader {
    /// Starts reading.
    /// - Parameters:
    ///   - fd: the descriptor (0, standard input, for a driver).
    ///   - maxLineBytes: the limit for a line or a frame.
    /// - Returns: decoded events; the stream finishes at end of file.
    public static func start(fd: Int32 = 0, maxLineBytes: Int = DriverProtocolLimits.maxLineBytes) -> AsyncStream<DriverFrameDecoder.Event> {
        let (stream, continuation) = AsyncStream<DriverFrameDecoder.Event>.makeStream()
        let thread = Thread {
            var framer = DriverFrameDecoder(maxBytes: maxLineBytes)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { raw in
                    #if canImport(Glibc) || canImport(Musl)
                    Glibc.read(fd, raw.baseAddress, raw.count)
                    #else
                    Darwin.read(fd, raw.baseAddress, raw.count)
                    #endif
                }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                let events = chunk.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                for event in events { continuation.yield(event) }
            }
            if let last = framer.finish() { continuation.yield(last) }
            continuation.finish()
        }
        thread.name = "driverkit-stdin"
        thread.start()
        return stream
    }
}
