import BitcoinPrimitives

extension Inventory {
    /// A `getdata` list with each item once, in first-seen order (as Bitcoin Core serves a
    /// repeated item once per message): one 1.8 MB `getdata` naming a stored transaction
    /// 50,000 times must not make us send it 50,000 times (issue 15).
    /// - Parameter items: the request's items.
    /// - Returns: the distinct items and how many repeats were left out.
    public static func unique(_ items: [Inventory]) -> (items: [Inventory], repeats: Int) {
        var seen = Set<Inventory>()
        seen.reserveCapacity(min(items.count, 1024))
        let kept = items.filter { seen.insert($0).inserted }
        return (kept, items.count - kept.count)
    }
}
