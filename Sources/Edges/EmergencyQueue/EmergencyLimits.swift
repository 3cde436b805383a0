/// Bounds of the emergency queue.
public enum EmergencyLimits {
    /// Core's MAX_STANDARD_TX_WEIGHT (src/policy/policy.h): 400,000 weight units, i.e. 100,000
    /// vbytes. Heavier transactions are non-standard: no node relays them, so none are queued.
    public static let maxWeight = 400_000
    /// Serialised bytes never exceed the weight (weight = 3 x stripped size + total size), so
    /// this bounds the input before parsing.
    public static let maxRawBytes = maxWeight
    /// Hex digits accepted before decoding (two per byte).
    public static let maxHexDigits = 2 * maxRawBytes
    /// Default cap on transactions being worked on (pending or in the mempool), so a caller
    /// cannot grow the file and the re-broadcast work without bound.
    public static let defaultMaxActive = 1_000
    /// Default time to keep re-broadcasting: 72 hours. Long enough to outlast an eclipse or an
    /// outage of a day or two, short enough that a transaction nobody wants (its inputs spent
    /// elsewhere, its fee too low) stops being sent; Lightning's to_self_delay is often 144 blocks
    /// (~24 h), so a justice transaction is decided well within it.
    public static let defaultTTL: Duration = .seconds(72 * 3600)
    /// Finished transactions (in a block or expired) stay listed this long after their expiry
    /// (30 days), then the broadcaster deletes them.
    public static let keepFinished: Duration = .seconds(30 * 24 * 3600)
    /// Core's MAX_PACKAGE_COUNT (src/policy/packages.h): at most 25 transactions in a package
    /// (`submitpackage` refuses more).
    public static let maxPackageCount = 25
    /// Default depth at which a transaction counts as done (altnetd's `emergencyconfirmations`).
    public static let defaultConfirmations = 1
}
