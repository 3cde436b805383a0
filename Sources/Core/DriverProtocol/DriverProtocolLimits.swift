/// Hard limits of the driver protocol. Both sides enforce them before allocating.
public enum DriverProtocolLimits {
    /// Longest line either side accepts, newline excluded: 16 MiB.
    ///
    /// Derivation: the largest block is 4,000,000 bytes (BIP141 weight limit / 1 for witness-only
    /// bytes), 8,000,000 characters as hex; a `messagereceived` carrying it adds under 200 bytes
    /// of envelope. 16 MiB leaves twice that room and still bounds memory per driver.
    public static let maxLineBytes = 16 * 1024 * 1024

    /// Deepest nesting of a line: the top-level object and 64 levels within it (no message
    /// nests beyond 10; the limit bounds the scanner's and the decoders' recursion).
    public static let maxDepth = 65

    /// Longest P2P command name (the v1 header's command field is 12 bytes).
    public static let maxCommandLength = 12

    /// Most replies one `sendmessage` may return.
    public static let maxReplies = 64

    /// Most peers one `listpeers` answer may list.
    public static let maxPeers = 10_000
}
