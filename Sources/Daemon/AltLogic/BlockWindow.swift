/// The schedule of a rescue's block download, sans I/O: which block to fetch next, and which
/// fetched blocks go to bitcoind next, so that `submitblock` of one run overlaps the fetching of
/// the blocks after it.
///
/// ```
///  index:   0 ........ submitted ........ handedOut ............ launched ........ count
///           │ bitcoind has │ being submitted │ fetched (ready) or  │ not yet asked  │
///                                             being fetched
/// ```
///
/// Bounds: at most `fetchWindow` fetches outstanding (asked, not answered), and at most
/// `holdWindow` blocks launched but not yet taken by bitcoind (in flight, fetched and waiting for
/// their turn, or being submitted). A rescue's block memory is therefore at most
/// `holdWindow` × the largest block (``Block/maxSerializedSize``), plus its ``BlockStash``.
/// Submission is strictly in chain order, one run at a time: a run is the longest stretch of
/// consecutive fetched blocks after the last one handed out, up to `maxRun`.
struct BlockWindow: Sendable, Equatable {
    let count: Int
    let fetchWindow: Int
    let holdWindow: Int
    /// Blocks bitcoind took: indices `0..<submitted`.
    private(set) var submitted = 0
    /// Blocks handed to the submitter: `submitted..<handedOut` are being submitted.
    private(set) var handedOut = 0
    /// Fetches started: indices `0..<launched`.
    private(set) var launched = 0
    /// Fetched blocks at or after `handedOut`, waiting for their turn.
    private(set) var ready: Set<Int> = []

    /// - Parameters:
    ///   - count: blocks to download.
    ///   - fetchWindow: fetches outstanding at once (at least 1).
    ///   - holdWindow: blocks launched and not yet submitted (at least `fetchWindow`).
    init(count: Int, fetchWindow: Int, holdWindow: Int) {
        self.count = max(0, count)
        self.fetchWindow = max(1, fetchWindow)
        self.holdWindow = max(self.fetchWindow, holdWindow)
    }

    /// Fetches asked and not answered.
    var outstanding: Int { launched - handedOut - ready.count }

    /// Whether bitcoind took every block.
    var isDone: Bool { submitted == count }

    /// The next block to fetch, if both windows allow one; it counts as launched.
    mutating func nextFetch() -> Int? {
        guard launched < count, outstanding < fetchWindow, launched - submitted < holdWindow else { return nil }
        launched += 1
        return launched - 1
    }

    /// A launched block was fetched (and checked): it waits for its turn.
    mutating func fetched(_ index: Int) {
        precondition(index >= handedOut && index < launched && !ready.contains(index), "block \(index) was not being fetched")
        ready.insert(index)
    }

    /// The next run to submit: consecutive fetched blocks from the first not handed out, at most
    /// `maxRun`; nil while a run is being submitted or the next block in order is not fetched.
    mutating func nextRun(maxRun: Int) -> Range<Int>? {
        guard handedOut == submitted else { return nil }
        var end = handedOut
        while end - handedOut < max(1, maxRun), ready.remove(end) != nil { end += 1 }
        guard end > handedOut else { return nil }
        defer { handedOut = end }
        return handedOut..<end
    }

    /// bitcoind took the run ``nextRun(maxRun:)`` handed out.
    mutating func submitted(_ run: Range<Int>) {
        precondition(run.lowerBound == submitted && run.upperBound == handedOut, "run \(run) was not the one being submitted")
        submitted = run.upperBound
    }
}
