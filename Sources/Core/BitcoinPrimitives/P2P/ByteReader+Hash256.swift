extension ByteReader {
    /// Reads a 32-byte hash in internal (wire) order without an intermediate array.
    /// - Throws: ``DecodingError`` if fewer than 32 bytes remain.
    @inlinable
    public mutating func readHash256() throws(DecodingError) -> Hash256 {
        Hash256(words: (try readLE(), try readLE(), try readLE(), try readLE()))
    }
}

extension ByteWriter {
    /// Writes a 32-byte hash in internal (wire) order.
    @inlinable
    public mutating func writeHash256(_ h: Hash256) {
        writeLE(h.words.0)
        writeLE(h.words.1)
        writeLE(h.words.2)
        writeLE(h.words.3)
    }
}
