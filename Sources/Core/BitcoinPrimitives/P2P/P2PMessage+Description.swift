extension P2PMessage: CustomStringConvertible {
    /// A one-line summary for logs: the command and the sizes or ids that matter, never whole
    /// payloads.
    public var description: String {
        switch self {
        case .version(let v):
            return "version(\(v.version), services 0x\(String(v.services, radix: 16)), \(v.userAgentString), "
                + "height \(v.startHeight), relay \(v.relay.map { "\($0)" } ?? "absent"))"
        case .verack, .sendheaders, .wtxidrelay, .sendaddrv2, .getaddr: return command.name
        case .addr(let l): return "addr(\(l.count))"
        case .addrv2(let l): return "addrv2(\(l.count))"
        case .ping(let nonce): return "ping(\(nonce))"
        case .pong(let nonce): return "pong(\(nonce))"
        case .getheaders(let g):
            return "getheaders(\(g.locator.count) locator hashes, first \(g.locator.first?.displayHex ?? "none"), stop \(g.hashStop.displayHex))"
        case .headers(let h): return "headers(\(h.count), first \(h.first?.hash.displayHex ?? "none"))"
        case .inv(let l): return "inv(\(l.count))"
        case .getdata(let l): return "getdata(\(l.count))"
        case .notfound(let l): return "notfound(\(l.count))"
        case .block(let b): return "block(\(b.hash.displayHex), \(b.transactions.count) transactions)"
        case .tx(let t): return "tx(\(t.txid.displayHex))"
        case .feefilter(let rate): return "feefilter(\(rate) sat/kvB)"
        case .unknown(let c, let p): return "\(c.name)(\(p.count) bytes, not decoded)"
        }
    }
}
