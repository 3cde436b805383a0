/// Version negotiation of the driver protocol.
///
/// The core offers every version it speaks in `getmanifest`; the driver answers with the one it
/// picked (the highest it also speaks). A driver that speaks none of them answers with error
/// ``DriverProtocolError/Kind/versionMismatch`` and the core stops it with a clear message.
public enum ProtocolVersion {
    /// The version this code documents (docs/driver-protocol.md).
    public static let current = 1

    /// Every version this code speaks, lowest first.
    public static let supported: [Int] = [1]

    /// The highest version both sides speak.
    /// - Parameters:
    ///   - offered: versions the core offers.
    ///   - supported: versions the driver speaks.
    /// - Returns: the chosen version, or nil when the sets do not meet.
    public static func negotiate(offered: [Int], supported: [Int]) -> Int? {
        Set(offered).intersection(supported).max()
    }
}
