import ElligatorSwift
import Foundation

extension BIP324Transport {
    /// Feeds bytes from the peer (any split, down to one byte at a time).
    /// - Parameter bytes: the bytes just read from the connection.
    /// - Returns: the events these bytes completed, in order.
    /// - Throws: ``BIP324Error``; the transport is then failed and refuses further input.
    public mutating func receive<C: Collection>(_ bytes: C) throws(BIP324Error) -> [BIP324Event] where C.Element == UInt8 {
        try checkOpen()
        inbox.append(contentsOf: bytes)
        return try processInbox()
    }

    /// Feeds bytes from the peer; with nothing buffered the array is adopted, not copied.
    public mutating func receive(_ bytes: [UInt8]) throws(BIP324Error) -> [BIP324Event] {
        try checkOpen()
        if inboxStart == inbox.count {
            inbox = bytes
            inboxStart = 0
            inboxIsAdopted = true
        } else {
            inbox.append(contentsOf: bytes)
        }
        return try processInbox()
    }

    /// Feeds bytes from the peer (for example a slice lent by `withBytesToSend`).
    public mutating func receive(_ bytes: ArraySlice<UInt8>) throws(BIP324Error) -> [BIP324Event] {
        try checkOpen()
        inbox.append(contentsOf: bytes)
        return try processInbox()
    }

    private func checkOpen() throws(BIP324Error) {
        if case .failed = phase { throw BIP324Error(.transportClosed) }
        if phase == .v1Detected { throw BIP324Error(.transportClosed) }
    }

    private mutating func processInbox() throws(BIP324Error) -> [BIP324Event] {
        var events: [BIP324Event] = []
        do {
            try process(&events)
        } catch {
            phase = .failed(error)
            throw error
        }
        compactInbox()
        return events
    }

    private var available: Int { inbox.count - inboxStart }

    private mutating func process(_ events: inout [BIP324Event]) throws(BIP324Error) {
        while true {
            switch phase {
            case .awaitingV1Prefix:
                guard try checkV1Prefix(&events) else { return }
            case .awaitingKey:
                guard available >= ElligatorSwift.encodingSize else { return }
                try completeKeyExchange()
            case .awaitingGarbageTerminator:
                guard try findGarbageTerminator() else { return }
            case .awaitingVersion, .ready:
                guard let plaintext = try readPacket() else { return }
                guard let header = plaintext.first else { throw BIP324Error(.packetAuthenticationFailed) }
                if header & BIP324Cipher.ignoreBit != 0 { continue }  // decoy
                if phase == .awaitingVersion {
                    // Version packet: contents reserved for future extensions, ignored (BIP324).
                    phase = .ready
                    events.append(.handshakeComplete(sessionID: sessionID ?? []))
                    continue
                }
                events.append(try decodeMessage(plaintext))
            case .v1Detected, .failed:
                return
            }
        }
    }

    /// Compares what arrived with v1's `magic || "version" || 5 NULs`. Returns true when the
    /// phase moved on.
    private mutating func checkV1Prefix(_ events: inout [BIP324Event]) throws(BIP324Error) -> Bool {
        let prefix = networkMagic + Array("version".utf8) + [0, 0, 0, 0, 0]
        let n = min(available, prefix.count)
        for i in 0..<n where inbox[inboxStart + i] != prefix[i] {
            // Not v1: these bytes begin the peer's key. Answer with ours.
            outbox.append(contentsOf: ourEllSwift)
            outbox.append(contentsOf: ourGarbage)
            phase = .awaitingKey
            return true
        }
        if available >= prefix.count {
            phase = .v1Detected
            events.append(.v1PeerDetected(received: Array(inbox[inboxStart...])))
            return true
        }
        return false
    }

    private mutating func completeKeyExchange() throws(BIP324Error) {
        let theirs = Array(inbox[inboxStart..<inboxStart + ElligatorSwift.encodingSize])
        inboxStart += ElligatorSwift.encodingSize
        let keys = try BIP324Keys(
            privateKey: privateKey, ours: ourEllSwift, theirs: theirs,
            initiating: role == .initiator, networkMagic: networkMagic)
        var c = try BIP324Cipher(keys: keys, initiating: role == .initiator)
        outbox.append(contentsOf: c.sendGarbageTerminator)
        // Our garbage authenticates as the AAD of the first packet after it.
        var aad = ourGarbage
        for length in decoyLengths {
            try c.encrypt(header: BIP324Cipher.ignoreBit, typePrefix: [], payload: [UInt8](repeating: 0, count: length),
                          aad: aad, appendingTo: &outbox)
            aad = []
        }
        try c.encrypt(header: 0, typePrefix: [], payload: versionContents, aad: aad, appendingTo: &outbox)
        for item in queued {
            try c.encrypt(header: item.header, typePrefix: item.typePrefix, payload: item.payload, aad: [], appendingTo: &outbox)
        }
        queued = []
        cipher = c
        phase = .awaitingGarbageTerminator
    }

    /// Scans for the peer's terminator after at most 4095 bytes of garbage. Returns true once found.
    /// - Throws: `.garbageTerminatorNotFound` once 4095 + 16 bytes arrived without it.
    private mutating func findGarbageTerminator() throws(BIP324Error) -> Bool {
        guard let terminator = cipher?.receiveGarbageTerminator else { throw BIP324Error(.transportClosed) }
        let t = Self.garbageTerminatorLength
        var k = garbageScanFrom
        while k <= Self.maxGarbageLength && k + t <= available {
            let start = inboxStart + k
            if inbox[start] == terminator[0] && inbox[start..<start + t].elementsEqual(terminator) {
                receiveAAD = Array(inbox[inboxStart..<start])
                inboxStart = start + t
                phase = .awaitingVersion
                return true
            }
            k += 1
        }
        if available >= Self.maxGarbageLength + t {
            throw BIP324Error(.garbageTerminatorNotFound(receivedBytes: available))
        }
        garbageScanFrom = k
        return false
    }

    /// Reads one whole packet if it has arrived; returns its plaintext (header byte first).
    private mutating func readPacket() throws(BIP324Error) -> Data? {
        if pendingLength == nil {
            guard available >= BIP324Cipher.lengthSize else { return nil }
            let lengthBytes = inbox[inboxStart..<inboxStart + BIP324Cipher.lengthSize]
            // Optional chaining mutates the cipher in place (no copy of its buffers and keys).
            guard let length = try cipher?.decryptLength(lengthBytes) else { throw BIP324Error(.transportClosed) }
            // Refused here, from the 3 bytes alone, before any buffer is sized for the packet.
            guard length <= Self.maxContentsLength else { throw BIP324Error(.contentsTooLarge(length: length)) }
            pendingLength = length
            inboxStart += BIP324Cipher.lengthSize
        }
        guard let length = pendingLength else { return nil }
        let need = BIP324Cipher.headerSize + length + BIP324Cipher.tagSize
        guard available >= need else { return nil }
        let aad = receiveAAD
        receiveAAD = []
        guard cipher != nil else { throw BIP324Error(.transportClosed) }
        let room = BIP324Cipher.inPlaceRoom
        let plaintext: Data?
        if !inboxIsAdopted && inboxStart >= room {
            // Our own buffer with consumed bytes in front: decrypt in place, the nonce written
            // over those dead bytes (no copy of the packet; compactInbox keeps this headroom).
            let start = inboxStart - room, end = inboxStart + need
            // Moved out (still unique, so no copy) while the cipher, also part of self, works on it.
            var buffer: [UInt8] = []
            swap(&buffer, &inbox)
            defer { swap(&buffer, &inbox) }
            // withUnsafeMutableBytes only rethrows untyped errors: carry ours out in a Result.
            let result = buffer.withUnsafeMutableBytes { raw -> Result<Data?, BIP324Error> in
                let sealed = UnsafeMutableRawBufferPointer(rebasing: raw[start..<end])
                do throws(BIP324Error) {
                    return .success(try cipher?.decryptPlaintext(inPlace: sealed, aad: aad))
                } catch {
                    return .failure(error)
                }
            }
            plaintext = try result.get()
        } else {
            plaintext = try cipher?.decryptPlaintext(inbox[inboxStart..<inboxStart + need], aad: aad)
        }
        guard let plaintext else { throw BIP324Error(.transportClosed) }
        inboxStart += need
        pendingLength = nil
        return plaintext
    }

    private func decodeMessage(_ plaintext: Data) throws(BIP324Error) -> BIP324Event {
        // The type prefix is at most 13 bytes after the header byte.
        let head = Array(plaintext.dropFirst().prefix(1 + BIP324MessageType.commandSize))
        switch try BIP324MessageType.decode(head) {
        case .unknownShortID(let id):
            return .unknownMessageType(id)
        case .command(let command, let payloadOffset):
            // One memcpy out of the Data (its generic element-wise path is far slower).
            let payload = plaintext.withUnsafeBytes { raw in
                [UInt8](raw.bindMemory(to: UInt8.self)[(1 + payloadOffset)...])
            }
            return .message(BIP324Message(command: command, payload: payload))
        }
    }

    private mutating func compactInbox() {
        if inboxStart == inbox.count {
            // Keep our own buffer for the next packets; drop an adopted (shared) one.
            if inboxIsAdopted || inbox.capacity > 1 << 22 { inbox = [] } else { inbox.removeAll(keepingCapacity: true) }
            // Headroom of dead bytes in front, so that the next packet decrypts in place.
            inbox.append(contentsOf: repeatElement(0, count: BIP324Cipher.inPlaceRoom))
            inboxIsAdopted = false
            inboxStart = BIP324Cipher.inPlaceRoom
            garbageScanFrom = 0
        } else if inboxStart >= 1 << 16 && inboxStart * 2 >= inbox.count {
            inbox.removeFirst(inboxStart - BIP324Cipher.inPlaceRoom)
            inboxIsAdopted = false
            inboxStart = BIP324Cipher.inPlaceRoom
        }
    }
}
