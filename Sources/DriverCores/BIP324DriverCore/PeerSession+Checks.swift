import BitcoinPrimitives

extension PeerSession {
    /// Checks a message before it reaches the core: headers must parse, number at most 2,000 and
    /// link to each other; a block must match its header (merkle root, no mutation) and its
    /// witness commitment; a tx must parse; inventories must parse under Core's 50,000 limit;
    /// `addr`/`addrv2` must decode with at most 1,000 entries (BIP155; more is misbehaviour).
    /// - Throws: ``PeerViolation`` naming what is wrong.
    public static func check(_ command: String, _ payload: [UInt8]) throws(PeerViolation) {
        do {
            switch command {
            case "headers":
                try checkHeaders(payload)
            case "block":
                let block = try Block(bytes: payload)
                do { try block.checkStructure() } catch { throw PeerViolation("invalid block \(block.header.hash): \(error)") }
            case "tx":
                var r = ByteReader(payload)
                _ = try Transaction(from: &r)
                guard r.isAtEnd else { throw PeerViolation("tx has \(r.remaining) trailing bytes") }
            case "addr":
                _ = try AddressEntry.decodeV1List(payload[...])
            case "addrv2":
                _ = try AddressEntry.decodeV2List(payload[...])
            case "getaddr":
                guard payload.isEmpty else { throw PeerViolation("getaddr with a \(payload.count)-byte payload") }
            case "inv", "getdata", "notfound":
                var r = ByteReader(payload)
                let count = try r.readCount("inventory", limit: 50_000, minElementSize: 36)
                guard r.remaining == count * 36 else { throw PeerViolation("\(command) length does not match its count") }
            default:
                return
            }
        } catch let error as PeerViolation {
            throw error
        } catch {
            throw PeerViolation("malformed \(command): \(error)")
        }
    }

    private static func checkHeaders(_ payload: [UInt8]) throws -> Void {
        var r = ByteReader(payload)
        let count = try r.readCount("headers", limit: maxHeaders, minElementSize: 81)
        var previous: BlockHash?
        for index in 0..<count {
            let header = try BlockHeader(from: &r)
            guard try r.readCompactSize() == 0 else { throw PeerViolation("header \(index) carries transactions") }
            if let previous, header.previousBlockHash != previous {
                throw PeerViolation("headers do not connect: header \(index) does not follow header \(index - 1)")
            }
            previous = header.hash
        }
        guard r.isAtEnd else { throw PeerViolation("headers has \(r.remaining) trailing bytes") }
    }
}
