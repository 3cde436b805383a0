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

    /// Feeds bytes from the peer (a socket read buffer, or an array).
    public mutating func receive(_ bytes: [UInt8]) throws(BIP324Error) -> [BIP324Event] {
        try checkOpen()
        inbox.append(contentsOf: bytes)
        return try processInbox()
    }

    /// Feeds bytes from the peer (for example a slice of a read buffer).
    public mutating func receive(_ bytes: ArraySlice<UInt8>) throws(BIP324Error) -> [BIP324Event] {
        try checkOpen()
        inbox.append(contentsOf: bytes)
        return try processInbox()
    }

    /// Feeds bytes from the peer (for example the buffer lent by `withBytesToSend`, or a
    /// socket read buffer).
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) throws(BIP324Error) -> [BIP324Event] {
        try checkOpen()
        inbox.append(contentsOf: bytes)
        return try processInbox()
    }

    /// `body`'s typed error as a Result: the standard library's `withUnsafeBytes` only rethrows
    /// untyped errors.
    static func carry<T>(_ body: () throws(BIP324Error) -> T) -> Result<T, BIP324Error> {
        do throws(BIP324Error) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
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
                try handlePacket(plaintext, &events)
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
            outbox.append(try c.seal(header: BIP324Cipher.ignoreBit, typePrefix: [], payload: [UInt8](repeating: 0, count: length), aad: aad))
            aad = []
        }
        outbox.append(try c.seal(header: 0, typePrefix: [], payload: versionContents, aad: aad))
        for item in queued {
            outbox.append(try c.seal(header: item.header, typePrefix: item.typePrefix, payload: item.payload, aad: []))
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

    /// Reads one whole packet from the inbox if it has arrived; returns its plaintext (header byte first).
    ///
    /// The packet is opened where it lies: swift-crypto needs `nonce || ciphertext || tag` in
    /// one buffer, so the nonce is written over ``BIP324Cipher/inPlaceRoom`` consumed bytes in
    /// front of it (``compactInbox()`` keeps that headroom). swift-crypto then copies it once
    /// into its sealed box, as it must for any bytes not sealed in this process.
    private mutating func readPacket() throws(BIP324Error) -> Data? {
        if pendingLength == nil {
            guard available >= BIP324Cipher.lengthSize else { return nil }
            pendingLength = try readLength(inbox[inboxStart], inbox[inboxStart + 1], inbox[inboxStart + 2])
            inboxStart += BIP324Cipher.lengthSize
        }
        guard let length = pendingLength else { return nil }
        let need = BIP324Cipher.headerSize + length + BIP324Cipher.tagSize
        guard available >= need else { return nil }
        let room = BIP324Cipher.inPlaceRoom
        if inboxStart < room {
            // Only if a packet starts right at the front of a fresh buffer: make the headroom.
            inbox.insert(contentsOf: repeatElement(0, count: room - inboxStart), at: 0)
            inboxStart = room
        }
        let start = inboxStart - room, end = inboxStart + need
        // Moved out (still unique, so no copy) while the cipher, also part of self, works on it.
        var buffer: [UInt8] = []
        swap(&buffer, &inbox)
        defer { swap(&buffer, &inbox) }
        let plaintext = try buffer.withUnsafeMutableBytes { raw in
            Self.carry { () throws(BIP324Error) in try openPacket(inPlace: UnsafeMutableRawBufferPointer(rebasing: raw[start..<end])) }
        }.get()
        inboxStart = end
        return plaintext
    }

    /// Decrypts a 3-byte length prefix and checks it against the maximum.
    /// - Throws: `.contentsTooLarge` from the 3 bytes alone, before any buffer is sized for the packet.
    private mutating func readLength(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) throws(BIP324Error) -> Int {
        // Optional chaining mutates the cipher in place (no copy of its buffers and keys).
        guard let length = try cipher?.decryptLength(b0, b1, b2) else { throw BIP324Error(.transportClosed) }
        guard length <= Self.maxContentsLength else { throw BIP324Error(.contentsTooLarge(length: length)) }
        return length
    }

    /// Decrypts `room || header || contents || tag` in place (the first packet after the
    /// garbage authenticates it as AAD).
    private mutating func openPacket(inPlace buffer: UnsafeMutableRawBufferPointer) throws(BIP324Error) -> Data {
        let aad = receiveAAD
        receiveAAD = []
        pendingLength = nil
        guard let plaintext = try cipher?.decryptPlaintext(inPlace: buffer, aad: aad) else { throw BIP324Error(.transportClosed) }
        return plaintext
    }

    /// Skips decoys, completes the handshake on the version packet, reports messages.
    private mutating func handlePacket(_ plaintext: Data, _ events: inout [BIP324Event]) throws(BIP324Error) {
        guard let header = plaintext.first else { throw BIP324Error(.packetAuthenticationFailed) }
        if header & BIP324Cipher.ignoreBit != 0 { return }  // decoy
        if phase == .awaitingVersion {
            // Version packet: contents reserved for future extensions, ignored (BIP324).
            phase = .ready
            events.append(.handshakeComplete(sessionID: sessionID ?? []))
            return
        }
        events.append(try decodeMessage(plaintext))
    }

    private func decodeMessage(_ plaintext: Data) throws(BIP324Error) -> BIP324Event {
        // The type prefix is at most 13 bytes after the header byte.
        let head = Array(plaintext.dropFirst().prefix(1 + BIP324MessageType.commandSize))
        switch try BIP324MessageType.decode(head) {
        case .unknownShortID(let id):
            return .unknownMessageType(id)
        case .command(let command, let payloadOffset):
            // A slice of the decrypted buffer: the payload is handed over without a copy.
            let payload = plaintext[(plaintext.startIndex + 1 + payloadOffset)...]
            return .message(BIP324Message(command: command, payloadBytes: BIP324Payload(payload)))
        }
    }

    private mutating func compactInbox() {
        let room = BIP324Cipher.inPlaceRoom
        if inboxStart == inbox.count {
            // Keep the buffer for the next packets, unless a huge one grew it; dead bytes in
            // front are the headroom the next packet is opened in.
            inbox.removeAll(keepingCapacity: inbox.capacity <= 1 << 22)
            inbox.append(contentsOf: repeatElement(0, count: room))
            inboxStart = room
            garbageScanFrom = 0
        } else if inboxStart >= 1 << 16 && inboxStart * 2 >= inbox.count {
            inbox.removeFirst(inboxStart - room)
            inboxStart = room
        }
    }
}
