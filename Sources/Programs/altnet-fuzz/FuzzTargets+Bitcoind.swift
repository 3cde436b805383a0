import AltnetConfig
import BitcoindZMQ

/// bitcoind's ZMQ notifications: three frames (topic, body, 4-byte sequence) from a socket any
/// local process may publish on.
enum ZMQFuzz {
    /// Selector 12: a frame count byte (1 to 4 frames), then per frame a length byte and its
    /// bytes; the last frame takes what is left. Decoded messages survive encode/decode, and
    /// the sequence tracker takes any sequence.
    static func run(_ input: inout FuzzInput) {
        let count = 1 + Int(input.byte() % 4)
        var frames: [[UInt8]] = []
        for k in 0..<count {
            frames.append(k == count - 1 ? input.remaining() : input.take(Int(input.byte())))
        }
        // Aim the fuzzer at the body decoders: a known topic name when the flag bit says so.
        if let first = frames.first?.first, first & 0x80 != 0, frames.count == 3 {
            frames[0] = ZMQTopic.allCases[Int(first) % ZMQTopic.allCases.count].frame
        }
        let message: ZMQMessage
        do throws(ZMQFrameError) {
            message = try ZMQFrameDecoder.decode(frames)
        } catch {
            _ = error.description
            return
        }
        let again = try? ZMQFrameDecoder.decode(ZMQFrameDecoder.encode(message))
        FuzzTargets.check(again == message, "ZMQ message \(message.topic) does not survive encode/decode")
        var tracker = ZMQSequenceTracker()
        _ = tracker.record(message.sequence, topic: message.topic)
        _ = tracker.record(message.sequence &+ 2, topic: message.topic)
    }
}

/// altnet.conf and command-line flags, as the user writes them.
enum ConfigFuzz {
    /// Selector 13: a mode byte, then the text. Mode bit 0: the whole text as altnet.conf;
    /// set: its lines as command-line flags. Every entry names a line that exists, and lookups
    /// and overrides never trap.
    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        let text = String(decoding: input.remaining(), as: UTF8.self)
        // The parser counts lines as Swift does (any newline character; CR LF is one).
        let lines = mode & 1 == 0
            ? text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            : text.split(separator: "\n", omittingEmptySubsequences: false)
        let config: ConfigFile
        do throws(ConfigError) {
            if mode & 1 == 0 {
                config = try ConfigFile(parsing: text)
            } else {
                config = try ConfigFile(flags: lines.map(String.init), sectionFlags: ["bip324", "lightning", "rpc"])
            }
        } catch {
            FuzzTargets.check(error.line >= 0 && error.line <= lines.count + 1, "config error at line \(error.line) of \(lines.count)")
            _ = error.description
            return
        }
        for entry in config.entries {
            FuzzTargets.check(entry.line >= 1 && entry.line <= lines.count + 1, "config entry at line \(entry.line) of \(lines.count)")
            FuzzTargets.check(config.values(entry.key, in: entry.section).contains(entry.value), "config lookup lost \(entry.key)")
        }
        _ = config.unknownKeys(in: "", known: ["datadir"])
        let merged = config.overridden(by: config)
        _ = merged.sections
    }
}
