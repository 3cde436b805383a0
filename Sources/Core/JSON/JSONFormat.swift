/// How ``JSONValue/encoded(_:)`` writes text. Always compact (no spaces or newlines), members
/// in their order, strings escaped as bitcoind's UniValue escapes them: `"` and `\`, the control
/// characters (`\b \f \n \r \t`, others as `\u00xx`), everything else as its UTF-8 bytes (`/` too).
public struct JSONFormat: Sendable, Hashable {
    /// How `.double` values are written.
    public enum Doubles: Sendable, Hashable {
        /// The shortest text that reads back as the same `Double` (Swift's `description`).
        case shortest
        /// 16 significant digits, `%.16g`, as bitcoind's UniValue writes doubles (an ostream of
        /// precision 16): what a bitcoind double must print.
        case significant16
    }

    public var doubles: Doubles

    public init(doubles: Doubles) { self.doubles = doubles }

    /// Round-trip exact doubles: for altnet's own protocols.
    public static let standard = JSONFormat(doubles: .shortest)

    /// bitcoind's output, byte for byte: for simnode's replies.
    public static let bitcoind = JSONFormat(doubles: .significant16)
}
