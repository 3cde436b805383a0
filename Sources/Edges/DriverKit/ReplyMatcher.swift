import BitcoinPrimitives

/// What one `sendmessage` request waits for: the reply commands it `expect`s and, for the
/// requests whose answers name what they answer, which answers belong to it. Pure: built from the
/// request's bytes once, asked about each message the peer sends.
///
/// Rules (Bitcoin Core's net_processing is what the peer runs):
/// - `getdata` is answered by a `block` whose header hash is in the inventory, a `tx` whose txid
///   (MSG_TX, MSG_WITNESS_TX) or wtxid (MSG_WTX, BIP339) is in it, or a `notfound` naming at least
///   one of its hashes (Core echoes the items it does not have).
/// - `getheaders` is answered by `headers` that are empty (the peer has nothing after our
///   locator), or whose first header builds on a locator hash (Core sends the headers after the
///   first locator hash on its active chain), or on a genesis block (Core falls back to genesis
///   when it knows none of them), or, for an empty locator, that start with the `hash_stop`
///   header itself (Core then sends just that header). An unsolicited announcement (BIP130)
///   builds on the peer's idea of our tip: it is taken only when that is a locator hash, and
///   then it starts where the answer would.
/// - `ping` is answered by `pong` with the same nonce (BIP31).
/// - `tx` is answered by an `inv` with a MSG_WTX item naming its wtxid (its txid when it has no
///   witness): the acknowledgement an altnetd sends over the Lightning altnet session
///   (docs/driver-lightning.md). Any other `inv` does not answer it.
/// - Other requests, requests whose own payload does not parse, and reply commands a rule does
///   not read (`cmpctblock` for a getdata): any message whose command is in `expect` (the
///   command-only rule drivers used before).
///
/// A `block`, `tx`, `notfound`, `headers` or `pong` whose payload does not parse answers nothing.
public struct ExpectedReply: Sendable {
    /// Reply commands that complete the exchange.
    public let commands: Set<String>
    private let rule: Rule

    private enum Rule: Sendable {
        case commandOnly
        case inventory(blocks: Set<Hash256>, txids: Set<Hash256>, wtxids: Set<Hash256>, all: Set<Hash256>)
        case headers(locator: Set<BlockHash>, hashStop: BlockHash)
        case pong(nonce: [UInt8])
        case acknowledgement(wtxid: Hash256)
    }

    /// Genesis hashes of every network: Core answers a locator it knows nothing of from genesis.
    private static let geneses: Set<BlockHash> = Set(Network.allCases.map { ChainParams.forNetwork($0).genesis.hash })

    /// - Parameters:
    ///   - command: the request's command (`getdata`, `getheaders`, `ping`, ...).
    ///   - payload: the request's payload, as sent to the peer.
    ///   - expect: reply commands that complete it.
    public init(request command: String, payload: [UInt8], expect: some Sequence<String>) {
        commands = Set(expect)
        rule = Self.rule(command, payload[...])
    }

    private static func rule(_ command: String, _ payload: ArraySlice<UInt8>) -> Rule {
        switch command {
        case "getdata":
            guard let items = try? Inventory.decodeList(payload) else { return .commandOnly }
            var blocks = Set<Hash256>(), txids = Set<Hash256>(), wtxids = Set<Hash256>()
            for item in items {
                switch item.type.base {
                case .block: blocks.insert(item.hash)
                case .tx: txids.insert(item.hash)
                case .wtx: wtxids.insert(item.hash)
                default: break
                }
            }
            return .inventory(blocks: blocks, txids: txids, wtxids: wtxids, all: Set(items.map(\.hash)))
        case "getheaders":
            guard let request = try? GetHeadersMessage(payload: payload) else { return .commandOnly }
            return .headers(locator: Set(request.locator), hashStop: request.hashStop)
        case "ping":
            guard payload.count == 8 else { return .commandOnly }
            return .pong(nonce: Array(payload))
        case "tx":
            guard let tx = try? Transaction(bytes: Array(payload)) else { return .commandOnly }
            return .acknowledgement(wtxid: tx.announcedWtxid.hash)
        default:
            return .commandOnly
        }
    }

    /// Whether `reply` answers this request.
    /// - Parameter reply: a message from the peer the request went to.
    /// - Returns: true when its command is expected and, where the request has a rule, it is
    ///   an answer to this request's own items, locator or nonce.
    public func isAnswered(by reply: ReceivedReply) -> Bool {
        guard commands.contains(reply.command) else { return false }
        let content = reply.content
        if case .malformed = content { return false }
        switch rule {
        case .commandOnly:
            return true
        case .inventory(let blocks, let txids, let wtxids, let all):
            switch content {
            case .block(let hash): return blocks.contains(hash.hash)
            case .tx(let txid, let wtxid): return txids.contains(txid.hash) || wtxids.contains(wtxid.hash)
            case .notfound(let hashes): return !all.isDisjoint(with: hashes)
            default: return true  // a reply no rule reads (e.g. `cmpctblock`): by command
            }
        case .headers(let locator, let hashStop):
            guard case .headers(let first) = content else { return true }
            guard let first else { return true }
            return locator.contains(first.previousBlockHash) || Self.geneses.contains(first.previousBlockHash)
                || (locator.isEmpty && first.hash == hashStop)
        case .pong(let nonce):
            guard case .pong(let echoed) = content else { return true }
            return nonce == echoed
        case .acknowledgement(let wtxid):
            guard case .inv(let announced) = content else { return false }
            return announced.contains(wtxid)
        }
    }
}

/// A message a peer sent, read once so every waiting request can be asked about it cheaply.
public struct ReceivedReply: Sendable {
    /// The P2P command.
    public let command: String
    fileprivate let content: Content

    fileprivate enum Content: Sendable {
        case block(BlockHash)
        case tx(txid: Txid, wtxid: Wtxid)
        case notfound(Set<Hash256>)
        /// The first header, nil for an empty `headers`.
        case headers(first: BlockHeader?)
        case pong(nonce: [UInt8])
        /// The MSG_WTX hashes of an `inv`.
        case inv(wtxids: Set<Hash256>)
        /// A command no rule reads.
        case other
        /// A payload that does not parse as its command.
        case malformed
    }

    /// - Parameters:
    ///   - command: the P2P command.
    ///   - payload: its payload.
    ///   - blockChecked: true when the caller has already parsed a `block` payload in full (the
    ///     BIP324 driver's `PeerSession.check`): only its header is read here. Otherwise the whole
    ///     block is parsed, so a truncated or padded one never answers a request.
    public init(command: String, payload: [UInt8], blockChecked: Bool = false) {
        self.command = command
        content = Self.read(command, payload, blockChecked: blockChecked)
    }

    private static func read(_ command: String, _ payload: [UInt8], blockChecked: Bool) -> Content {
        switch command {
        case "block":
            if blockChecked {
                guard payload.count >= BlockHeader.size, let header = try? BlockHeader(bytes: payload.prefix(BlockHeader.size))
                else { return .malformed }
                return .block(header.hash)
            }
            guard let block = try? Block(bytes: payload) else { return .malformed }
            return .block(block.header.hash)
        case "tx":
            guard let tx = try? Transaction(bytes: payload) else { return .malformed }
            let txid = tx.txid
            return .tx(txid: txid, wtxid: tx.announcedWtxid)
        case "notfound":
            guard let items = try? Inventory.decodeList(payload[...]) else { return .malformed }
            return .notfound(Set(items.map(\.hash)))
        case "headers":
            guard let message = try? P2PMessage.decode(command: .headers, payload: payload),
                  case .headers(let headers) = message
            else { return .malformed }
            return .headers(first: headers.first)
        case "pong":
            guard payload.count == 8 else { return .malformed }
            return .pong(nonce: payload)
        case "inv":
            // Read only for the acknowledgement rule; an unreadable `inv` stays a command no rule reads.
            guard let items = try? Inventory.decodeList(payload[...]) else { return .other }
            return .inv(wtxids: Set(items.filter { $0.type.base == .wtx }.map(\.hash)))
        default:
            return .other
        }
    }
}

extension Transaction {
    /// The hash a MSG_WTX inventory item names this transaction by (BIP339): its wtxid, which is
    /// its txid when it carries no witness.
    public var announcedWtxid: Wtxid { hasWitness ? wtxid : Wtxid(txid.hash) }
}
