import BitcoinPrimitives

/// Bounds on what an Esplora server may send, per endpoint. Each is the largest honest answer
/// plus a little slack (a trailing newline, whitespace); anything longer is refused before it is
/// buffered (``EsploraTransport``).
public enum EsploraLimits {
    /// `/blocks/tip/hash`, `/block-height/:h`, `POST /tx` (a txid): 64 hex characters.
    public static let hashBody = 64 + 64
    /// `/blocks/tip/height`: a decimal height.
    public static let heightBody = 32
    /// `/block/:hash/header`: 80 bytes as 160 hex characters.
    public static let headerBody = BlockHeader.size * 2 + 64
    /// `/block/:hash/status`: `{"in_best_chain":true,"height":N,"next_best":"<64 hex>"}`.
    public static let statusBody = 512
    /// `/block/:hash/raw`: a block is at most 4,000,000 bytes (BIP141's weight limit over 4).
    public static let blockBody = Block.maxSerializedSize + 64 * 1024
    /// An error text from `POST /tx` kept for the log and the `reason`.
    public static let errorBody = 2048
    /// At most this many headers per `getheaders` answer (Core's MAX_HEADERS_RESULTS).
    public static let headersPerAnswer = 2000
    /// Locator entries looked up before giving up (a P2P locator has at most 101).
    public static let locatorLookups = 101
    /// Requests in flight to one source during a header walk.
    public static let walkConcurrency = 8
}
