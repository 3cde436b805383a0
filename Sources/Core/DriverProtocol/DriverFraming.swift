/// How messages travel on a driver's pipe (docs/driver-protocol.md, "Binary framing").
///
/// JSON lines are the default and what every driver speaks. A driver may also declare binary
/// framing in its manifest; the core then picks it in `init`, and from there on each side sends
/// length-prefixed frames whose P2P payloads are raw bytes instead of hex:
///
/// ```
///  core                                         driver
///   getmanifest {framings: [json, binary]} -->         the core offers
///   <-- manifest {..., framings: [json, binary]}       the driver declares what it speaks of them
///   init {..., framing: binary}  (a JSON line)  -->    the core picks; its next message is a frame
///   <-- {} (a JSON line), then frames                  the driver switches after its answer
/// ```
/// Receivers tell the two apart by the first byte of each message (``DriverFrameDecoder``), so
/// a JSON line written around the switch still reads.
public enum DriverFraming: String, Codable, Sendable, Hashable, CaseIterable {
    /// One JSON-RPC object per line, binary data as hex (the default).
    case json
    /// ``BinaryFrame``s: a small JSON-RPC header and the payload bytes raw.
    case binary

    /// What the core picks in `init`.
    /// - Parameters:
    ///   - offered: the framings the core offered in `getmanifest`.
    ///   - declared: the manifest's `framings` (nil: the driver declared none, so JSON only).
    /// - Returns: `.binary` when both sides have it, else `.json`.
    public static func choose(offered: [DriverFraming], declared: [DriverFraming]?) -> DriverFraming {
        offered.contains(.binary) && (declared ?? []).contains(.binary) ? .binary : .json
    }

    /// What a driver declares in its manifest: the framings it speaks that the core offered, or
    /// nil when the core offered none (an older core: the manifest stays as it was).
    /// - Parameters:
    ///   - offered: `getmanifest`'s `framings`, nil when absent.
    ///   - spoken: what the driver speaks.
    public static func declare(offered: [DriverFraming]?, spoken: [DriverFraming]) -> [DriverFraming]? {
        guard let offered else { return nil }
        let both = spoken.filter { offered.contains($0) }
        return both.isEmpty ? nil : both
    }
}
