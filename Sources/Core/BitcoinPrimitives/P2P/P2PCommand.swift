/// A v1 P2P command name ("version", "headers", ...): 1 to 12 printable ASCII characters.
///
/// On the wire it is 12 bytes, the name followed by NUL padding. Bitcoin Core's
/// `CMessageHeader::IsCommandValid` accepts printable ASCII (0x20...0x7e) up to the first NUL and
/// only NULs after it; altnet additionally refuses the empty name.
public struct P2PCommand: Hashable, Sendable, CustomStringConvertible {
    /// Size of the command field in the v1 header.
    public static let wireSize = 12

    /// The name without padding.
    public let name: String

    /// Validates a command name.
    /// - Throws: ``DecodingError`` if the name is empty, longer than 12 bytes or not printable ASCII.
    public init(_ name: String) throws(DecodingError) {
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty, utf8.count <= Self.wireSize else {
            throw DecodingError(.invalid("command name must be 1 to 12 bytes, got \(utf8.count)"), at: 0)
        }
        for (i, c) in utf8.enumerated() where !(0x20...0x7e).contains(c) {
            throw DecodingError(.invalid("command name byte 0x\(Hex.encode([c])) is not printable ASCII"), at: i)
        }
        self.name = name
    }

    /// For the well-known names below only (checked by the tests), never for input.
    private init(known name: String) { self.name = name }

    /// Decodes the 12-byte wire field.
    /// - Throws: ``DecodingError`` for non-printable bytes, bytes after the NUL padding has
    ///   started, or an empty name.
    public init<C: Collection>(wireField field: C) throws(DecodingError) where C.Element == UInt8 {
        let bytes = Array(field)
        guard bytes.count == Self.wireSize else {
            throw DecodingError(.invalid("command field is 12 bytes, got \(bytes.count)"), at: 0)
        }
        let end = bytes.firstIndex(of: 0) ?? Self.wireSize
        for i in end..<Self.wireSize where bytes[i] != 0 {
            throw DecodingError(.invalid("command has a non-NUL byte after its NUL padding"), at: i)
        }
        guard end > 0 else { throw DecodingError(.invalid("command name is empty"), at: 0) }
        for i in 0..<end where !(0x20...0x7e).contains(bytes[i]) {
            throw DecodingError(.invalid("command byte 0x\(Hex.encode([bytes[i]])) is not printable ASCII"), at: i)
        }
        self.name = String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// The 12-byte NUL-padded wire field.
    public var wireField: [UInt8] {
        var out = Array(name.utf8.prefix(Self.wireSize))
        out.append(contentsOf: repeatElement(0, count: Self.wireSize - out.count))
        return out
    }

    public var description: String { name }
}

extension P2PCommand {
    public static let version = P2PCommand(known: "version")
    public static let verack = P2PCommand(known: "verack")
    public static let ping = P2PCommand(known: "ping")
    public static let pong = P2PCommand(known: "pong")
    public static let getheaders = P2PCommand(known: "getheaders")
    public static let headers = P2PCommand(known: "headers")
    public static let inv = P2PCommand(known: "inv")
    public static let getdata = P2PCommand(known: "getdata")
    public static let notfound = P2PCommand(known: "notfound")
    public static let block = P2PCommand(known: "block")
    public static let tx = P2PCommand(known: "tx")
    public static let sendheaders = P2PCommand(known: "sendheaders")
    public static let wtxidrelay = P2PCommand(known: "wtxidrelay")
    public static let sendaddrv2 = P2PCommand(known: "sendaddrv2")
    public static let feefilter = P2PCommand(known: "feefilter")
    public static let addr = P2PCommand(known: "addr")
    public static let addrv2 = P2PCommand(known: "addrv2")
    public static let getaddr = P2PCommand(known: "getaddr")
}
