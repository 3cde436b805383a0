/// Limits Bitcoin Core applies to P2P messages; each decoder checks its count against these
/// before it allocates anything.
public enum P2PLimits {
    /// Largest v1 payload accepted (Core src/net.h `MAX_PROTOCOL_MESSAGE_LENGTH = 4 * 1000 * 1000`).
    public static let maxPayloadLength = 4_000_000
    /// Most hashes in a block locator (Core src/net_processing.cpp `MAX_LOCATOR_SZ = 101`).
    public static let maxLocatorHashes = 101
    /// Most headers in one `headers` message (Core src/net_processing.h `MAX_HEADERS_RESULTS = 2000`).
    public static let maxHeaders = 2000
    /// Most entries in `inv`, `getdata`, `notfound` (Core src/net_processing.cpp `MAX_INV_SZ = 50000`).
    public static let maxInventory = 50_000
    /// Longest user agent in `version` (Core src/net.h `MAX_SUBVERSION_LENGTH = 256`).
    public static let maxUserAgentLength = 256
}
