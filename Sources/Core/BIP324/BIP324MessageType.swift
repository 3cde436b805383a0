/// BIP324's 1-byte short message type IDs.
///
/// Protocol constants from BIP324 ("Short message type IDs", ids 1 to 28) and the later
/// allocations in bips' bip-0324/message_type_ids.md (29 to 37); the same table lives in
/// ../shared/specs/bip324/short-message-ids.tsv, and a test checks this one against it.
/// Id 0 means a 12-byte ASCII command follows.
public enum BIP324MessageType {
    /// Index i holds the command for short id i + 1.
    public static let shortIDs: [String] = [
        "addr", "block", "blocktxn", "cmpctblock", "feefilter", "filteradd", "filterclear",
        "filterload", "getblocks", "getblocktxn", "getdata", "getheaders", "headers", "inv",
        "mempool", "merkleblock", "notfound", "ping", "pong", "sendcmpct", "tx", "getcfilters",
        "cfilter", "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt", "addrv2",
        "uproof", "getuproof", "uttls", "getuttls", "usummary", "utreexotx", "uroot", "geturoot",
        "feature",
    ]

    private static let idByCommand: [String: UInt8] = {
        var table: [String: UInt8] = [:]
        for (i, command) in shortIDs.enumerated() { table[command] = UInt8(i + 1) }
        return table
    }()

    /// Length of the long form's command field.
    public static let commandSize = 12

    /// The short id for a command, if it has one.
    public static func shortID(for command: String) -> UInt8? { idByCommand[command] }

    /// The command for a short id (1...), if allocated.
    public static func command(forShortID id: UInt8) -> String? {
        let i = Int(id) - 1
        return i >= 0 && i < shortIDs.count ? shortIDs[i] : nil
    }

    /// The encoded type prefix of a message's contents: the short id, or 0 followed by the
    /// command NUL-padded to 12 bytes.
    /// - Throws: `.invalidArgument` for an empty, over-long or non-printable-ASCII command.
    static func encode(_ command: String) throws(BIP324Error) -> [UInt8] {
        if let id = shortID(for: command) { return [id] }
        let ascii = Array(command.utf8)
        guard !ascii.isEmpty, ascii.count <= commandSize, ascii.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw BIP324Error(.invalidArgument("message command \"\(command)\" is not 1 to 12 printable ASCII bytes"))
        }
        return [0] + ascii + [UInt8](repeating: 0, count: commandSize - ascii.count)
    }

    /// What a packet's contents start with.
    enum Decoded: Equatable {
        /// A known command and the offset of its payload within the contents.
        case command(String, payloadOffset: Int)
        /// A short id nobody allocated: BIP324 says ignore the message (Core drops it).
        case unknownShortID(UInt8)
    }

    /// Reads the type prefix of a packet's contents.
    /// - Throws: `.invalidMessageType` for empty contents or a malformed 12-byte command.
    static func decode<C: RandomAccessCollection>(_ contents: C) throws(BIP324Error) -> Decoded
    where C.Element == UInt8, C.Index == Int {
        guard let first = contents.first else { throw BIP324Error(.invalidMessageType("empty packet contents")) }
        if first != 0 {
            guard let command = command(forShortID: first) else { return .unknownShortID(first) }
            return .command(command, payloadOffset: 1)
        }
        guard contents.count >= 1 + commandSize else {
            throw BIP324Error(.invalidMessageType("long message type truncated (\(contents.count) bytes)"))
        }
        let start = contents.startIndex + 1
        let field = contents[start..<start + commandSize]
        // Printable ASCII, then only NUL padding (Core's CMessageHeader::IsMessageTypeValid rule).
        var command: [UInt8] = []
        var padding = false
        for byte in field {
            if byte == 0 { padding = true; continue }
            guard !padding, byte >= 0x20, byte < 0x7F else {
                throw BIP324Error(.invalidMessageType("12-byte command is not ASCII followed by NUL padding"))
            }
            command.append(byte)
        }
        guard !command.isEmpty else { throw BIP324Error(.invalidMessageType("empty 12-byte command")) }
        return .command(String(decoding: command, as: UTF8.self), payloadOffset: 1 + commandSize)
    }
}
