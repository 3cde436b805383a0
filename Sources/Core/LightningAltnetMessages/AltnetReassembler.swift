/// Reassembles P2P messages from one peer's altnet Lightning messages. Sans-I/O: the driver feeds
/// each received Lightning message with the current time and calls ``expire(now:)`` from a timer;
/// the clock is whatever `Instant` the driver uses.
///
/// Each fragmented message goes through:
/// ```
///            first fragment (offset 0)            next fragment at expected offset
///  (none) ─────────────────────────────▶ partial ─────────────────────────────────┐
///    ▲  ▲                                  │  ▲ ◀───────────────────────────────┘
///    │  │ refused (limits, command)        │  │
///    │  └─ dropped id, rest discarded ◀────┤  └ deadline passed: expire(now:) drops it
///    └──────── last fragment: complete ◀───┘
/// ```
/// A protocol violation (``AltnetMessageError/Action/disconnect``) releases every partial message
/// and makes the reassembler refuse all later input: the driver closes the link.
public struct AltnetReassembler<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What one received Lightning message produced.
    public enum Outcome: Equatable, Sendable {
        /// A P2P message is complete.
        case complete(AltnetMessage)
        /// A fragment was stored; the message is not complete yet.
        case buffered(messageID: UInt32, received: Int, totalLength: Int)
        /// A fragment of a message dropped earlier; nothing was stored.
        case discarded(messageID: UInt32)
        /// Not an altnet type: the driver applies BOLT 1's rules to it.
        case notAltnet
    }

    /// A message whose first fragments have arrived.
    struct Partial: Sendable {
        let command: String
        /// Length of the command prefix: the payload starts at this body offset.
        let prefixLength: Int
        let totalLength: Int
        var payload: [UInt8]
        let deadline: Instant
        /// The body offset the next fragment must start at.
        var expectedOffset: Int { prefixLength + payload.count }
    }

    /// The limits applied.
    public let limits: AltnetReassemblyLimits
    var partials: [UInt32: Partial] = [:]
    /// Ids of dropped messages whose later fragments are discarded quietly, oldest first.
    var droppedIDs: [UInt32] = []
    var failed = false

    /// Fragment data bytes held, summed over partial messages.
    public private(set) var bufferedByteCount = 0
    /// `total_length`s of partial messages, summed: what they may grow to, bounded by
    /// ``AltnetReassemblyLimits/maxBufferedBytes``.
    public private(set) var reservedByteCount = 0
    /// Fragmented messages started and not yet complete.
    public var messagesInFlight: Int { partials.count }

    /// - Parameter limits: what the peer may make us hold.
    public init(limits: AltnetReassemblyLimits = AltnetReassemblyLimits()) {
        self.limits = limits
    }

    /// Takes one Lightning message received from the peer.
    /// - Parameters:
    ///   - message: the message's type and payload, as BOLT 8 delivered it.
    ///   - now: the current time, for the reassembly deadline of a newly started message.
    /// - Returns: what the message produced.
    /// - Throws: ``AltnetMessageError``; its ``AltnetMessageError/action`` says whether to
    ///   disconnect or just log the dropped message.
    public mutating func receive(_ message: LightningMessage,
                                 now: Instant) throws(AltnetMessageError) -> Outcome {
        guard AltnetWire.isAltnet(type: message.type) else { return .notAltnet }
        guard !failed else { throw AltnetMessageError(.reassemblerFailed) }
        do throws(AltnetMessageError) {
            if message.type == AltnetWire.messageType {
                return .complete(try whole(message.payload))
            }
            return try fragment(message.payload, now: now)
        } catch {
            if error.action == .disconnect { fail() }
            throw error
        }
    }

    /// Drops the partial messages whose deadline has passed and releases their memory.
    /// - Parameter now: the current time.
    /// - Returns: one ``AltnetMessageError/Reason/expired(command:received:totalLength:)`` error
    ///   per dropped message (action ``AltnetMessageError/Action/dropMessage``), for the log.
    public mutating func expire(now: Instant) -> [AltnetMessageError] {
        let due = partials.filter { $0.value.deadline <= now }.sorted { $0.key < $1.key }
        var expired: [AltnetMessageError] = []
        for (id, partial) in due {
            release(id)
            rememberDropped(id)
            expired.append(AltnetMessageError(
                .expired(command: partial.command, received: partial.expectedOffset,
                         totalLength: partial.totalLength), messageID: id))
        }
        return expired
    }

    /// The earliest deadline among partial messages, for the driver's timer.
    public var nextDeadline: Instant? { partials.values.map(\.deadline).min() }

    // MARK: - Whole messages

    private func whole(_ body: [UInt8]) throws(AltnetMessageError) -> AltnetMessage {
        let (command, prefixLength) = try AltnetWire.readCommand(body[...])
        try checkAccepted(command, messageID: nil)
        return AltnetMessage(validatedCommand: command, payload: Array(body[prefixLength...]))
    }

    private func checkAccepted(_ command: String, messageID: UInt32?) throws(AltnetMessageError) {
        if let accepted = limits.acceptedCommands, !accepted.contains(command) {
            throw AltnetMessageError(.commandNotAccepted(command), messageID: messageID)
        }
    }

    // MARK: - Fragments

    private mutating func fragment(_ payload: [UInt8], now: Instant) throws(AltnetMessageError) -> Outcome {
        let header = try FragmentHeader(parsing: payload)
        let id = header.messageID
        let offset = Int(header.offset)
        let total = Int(header.totalLength)
        let data = payload[AltnetWire.fragmentHeaderSize...]
        guard !data.isEmpty else { throw AltnetMessageError(.emptyFragment, messageID: id) }

        if var partial = partials[id] {
            guard total == partial.totalLength else {
                throw AltnetMessageError(.totalLengthChanged(was: partial.totalLength, now: total), messageID: id)
            }
            try checkRange(offset: offset, length: data.count, total: total, id: id)
            guard offset >= partial.expectedOffset else {
                throw AltnetMessageError(.duplicateFragment(offset: offset, expected: partial.expectedOffset),
                                         messageID: id)
            }
            guard offset == partial.expectedOffset else {
                throw AltnetMessageError(.fragmentGap(offset: offset, expected: partial.expectedOffset),
                                         messageID: id)
            }
            partials[id] = nil  // keep the buffer uniquely referenced while appending
            partial.payload.append(contentsOf: data)
            bufferedByteCount += data.count
            if offset + data.count == total {
                bufferedByteCount -= partial.payload.count
                reservedByteCount -= total
                return .complete(AltnetMessage(validatedCommand: partial.command, payload: partial.payload))
            }
            partials[id] = partial
            return .buffered(messageID: id, received: partial.expectedOffset, totalLength: total)
        }
        guard offset == 0 else {
            if let index = droppedIDs.firstIndex(of: id) {
                if offset + data.count >= total { droppedIDs.remove(at: index) }
                return .discarded(messageID: id)
            }
            throw AltnetMessageError(.unknownMessage(offset: offset), messageID: id)
        }
        return try start(id: id, total: total, data: data, now: now)
    }

    /// A first fragment (offset 0) of a message not in flight.
    private mutating func start(id: UInt32, total: Int, data: ArraySlice<UInt8>,
                                now: Instant) throws(AltnetMessageError) -> Outcome {
        // Checked before anything is stored or allocated.
        guard total <= limits.maxBodyLength else {
            throw AltnetMessageError(.messageTooLarge(totalLength: total, limit: limits.maxBodyLength),
                                     messageID: id)
        }
        try checkRange(offset: 0, length: data.count, total: total, id: id)
        let command: String
        let prefixLength: Int
        do throws(AltnetMessageError) {
            (command, prefixLength) = try AltnetWire.readCommand(data)
        } catch {
            throw AltnetMessageError(error.reason, messageID: id)
        }
        droppedIDs.removeAll { $0 == id }
        do throws(AltnetMessageError) {
            try checkAccepted(command, messageID: id)
            guard partials.count < limits.maxMessagesInFlight else {
                throw AltnetMessageError(.tooManyInFlight(limit: limits.maxMessagesInFlight), messageID: id)
            }
            guard reservedByteCount + total <= limits.maxBufferedBytes else {
                throw AltnetMessageError(.bufferFull(reserved: reservedByteCount, requested: total,
                                                     limit: limits.maxBufferedBytes), messageID: id)
            }
        } catch {
            if data.count < total { rememberDropped(id) }
            throw error
        }
        let payload = Array(data[(data.startIndex + prefixLength)...])
        if data.count == total {
            return .complete(AltnetMessage(validatedCommand: command, payload: payload))
        }
        partials[id] = Partial(command: command, prefixLength: prefixLength, totalLength: total,
                               payload: payload, deadline: now.advanced(by: limits.reassemblyTimeout))
        bufferedByteCount += payload.count
        reservedByteCount += total
        return .buffered(messageID: id, received: data.count, totalLength: total)
    }

    private func checkRange(offset: Int, length: Int, total: Int, id: UInt32) throws(AltnetMessageError) {
        guard offset + length <= total else {
            throw AltnetMessageError(.outOfRange(offset: offset, length: length, totalLength: total),
                                     messageID: id)
        }
    }

    // MARK: - Bookkeeping

    private mutating func release(_ id: UInt32) {
        guard let partial = partials.removeValue(forKey: id) else { return }
        bufferedByteCount -= partial.payload.count
        reservedByteCount -= partial.totalLength
    }

    private mutating func rememberDropped(_ id: UInt32) {
        guard limits.rememberedDroppedIDs > 0 else { return }
        droppedIDs.removeAll { $0 == id }
        if droppedIDs.count >= limits.rememberedDroppedIDs { droppedIDs.removeFirst() }
        droppedIDs.append(id)
    }

    private mutating func fail() {
        failed = true
        partials = [:]
        droppedIDs = []
        bufferedByteCount = 0
        reservedByteCount = 0
    }
}
