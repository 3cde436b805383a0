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
    /// Most entries in `addr` / `addrv2`; more is misbehaviour (Core src/net_processing.cpp
    /// `MAX_ADDR_TO_SEND = 1000`), and the most a node sends in answer to `getaddr`.
    public static let maxAddresses = 1000
    /// Longest address in `addrv2` (BIP155; Core src/netaddress.h `MAX_ADDRV2_SIZE = 512`).
    public static let maxAddrV2AddressLength = 512
}
