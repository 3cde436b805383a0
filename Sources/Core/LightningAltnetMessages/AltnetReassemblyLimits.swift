/// What one peer may make the reassembler hold. Defaults are the values docs/lightning-messages.md
/// requires of senders; a sender that stays within them never sees a message dropped.
public struct AltnetReassemblyLimits: Equatable, Sendable {
    /// Partial (fragmented, incomplete) messages per peer. A new first fragment beyond this is
    /// refused and its message dropped.
    public var maxMessagesInFlight: Int
    /// Sum of the `total_length`s of partial messages. Reserved at the first fragment, so a peer
    /// cannot claim little and send much; a first fragment that would exceed it is dropped.
    public var maxBufferedBytes: Int
    /// Largest `total_length` of one message (command prefix plus payload). A first fragment that
    /// claims more is a protocol violation, refused before anything is allocated.
    public var maxBodyLength: Int
    /// Time from a message's first fragment to its last. Later, `expire(now:)` drops it.
    public var reassemblyTimeout: Duration
    /// Commands taken from this peer; nil takes any valid name (raw pass-through). Others are
    /// dropped (the link stays): whole messages at once, fragmented ones at their first fragment.
    public var acceptedCommands: Set<String>?
    /// How many dropped message ids are remembered so that their remaining fragments are
    /// discarded quietly instead of being taken for fragments of a message never started.
    public var rememberedDroppedIDs: Int

    /// - Parameters:
    ///   - maxMessagesInFlight: partial messages per peer (default 4).
    ///   - maxBufferedBytes: bytes reserved by partial messages (default 8,000,026: two largest).
    ///   - maxBodyLength: largest `total_length` (default 4,000,013: a 4,000,000-byte payload
    ///     with the longest command prefix).
    ///   - reassemblyTimeout: first to last fragment (default 120 s: 4 MB at 33 KB/s).
    ///   - acceptedCommands: default the seven altnet commands (``AltnetMessage/altnetCommands``).
    ///   - rememberedDroppedIDs: default 16.
    public init(maxMessagesInFlight: Int = 4,
                maxBufferedBytes: Int = 2 * AltnetWire.maxBodyLength,
                maxBodyLength: Int = AltnetWire.maxBodyLength,
                reassemblyTimeout: Duration = .seconds(120),
                acceptedCommands: Set<String>? = AltnetMessage.altnetCommands,
                rememberedDroppedIDs: Int = 16) {
        self.maxMessagesInFlight = maxMessagesInFlight
        self.maxBufferedBytes = maxBufferedBytes
        self.maxBodyLength = maxBodyLength
        self.reassemblyTimeout = reassemblyTimeout
        self.acceptedCommands = acceptedCommands
        self.rememberedDroppedIDs = rememberedDroppedIDs
    }
}
