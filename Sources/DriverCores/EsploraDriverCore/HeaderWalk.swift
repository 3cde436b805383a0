import BitcoinPrimitives

/// Answers a `getheaders` from one Esplora source, the way a P2P peer would: find the first
/// locator hash on the source's best chain (`/block/:hash/status`), then walk the heights after
/// it (`/block-height/:h`, `/block/:hash/header`), at most 2,000, up to the source's tip or the
/// request's `hash_stop`.
///
/// ```
///  locator: [tip, tip-1, ..., tip-2^k, ..., anchor]
///      -> first with in_best_chain: fork height F (none known: genesis, F = 0)
///      -> heights F+1 ... min(F+2000, source tip), 8 in flight
///      -> headers, cut where one does not build on the previous (a source that changed its chain mid-walk, or lies)
/// ```
public struct HeaderWalk: Sendable {
    /// The headers to answer with, in height order, each building on the previous.
    public var headers: [BlockHeader]
    /// The height of the block the first header builds on.
    public var forkHeight: Int
    /// Why the walk ended before 2,000 headers or the source's tip, for the log.
    public var cut: String?

    /// The height of `headers[i]`.
    public func height(of index: Int) -> Int { forkHeight + 1 + index }

    /// Walks `source` for `request`.
    /// - Parameters:
    ///   - request: the core's `getheaders`.
    ///   - source: the source to ask.
    ///   - limit: headers at most (2,000 in use; smaller in tests).
    ///   - deadline: when the answer is due. The walk stops asking a little before it (a tenth of
    ///   the time left, 0.2 to 3 s) and answers with the headers it has, so that a slow source
    ///   gives a shorter answer in time rather than a full one too late.
    /// - Returns: the walk; empty headers when the source has nothing after the fork point.
    /// - Throws: ``EsploraSourceError`` when the source could not be asked for the fork point or
    ///   its tip, or failed before the first header.
    public static func walk(
        _ request: GetHeadersMessage, source: EsploraSource, limit: Int = EsploraLimits.headersPerAnswer,
        deadline: ContinuousClock.Instant
    ) async throws(EsploraSourceError) -> HeaderWalk {
        let margin = min(max((deadline - .now) / 10, .milliseconds(200)), .seconds(3))
        let deadline = deadline - margin
        guard !request.locator.isEmpty else {
            // Core answers an empty locator with the hash_stop header alone; Esplora cannot
            // place a hash_stop that is not on its chain, so this driver answers nothing.
            return HeaderWalk(headers: [], forkHeight: 0, cut: "empty locator")
        }
        var fork: (height: Int, hash: BlockHash)?
        for hash in request.locator.prefix(EsploraLimits.locatorLookups) {
            let status = try await source.status(hash, deadline: deadline)
            if status.inBestChain, let height = status.height {
                fork = (height, hash)
                break
            }
        }
        if fork == nil { fork = (0, try await source.blockHash(atHeight: 0, deadline: deadline)) }
        let (forkHeight, forkHash) = fork!
        let tip = try await source.tipHeight(deadline: deadline)
        let last = min(forkHeight + max(limit, 0), tip)
        guard last > forkHeight else { return HeaderWalk(headers: [], forkHeight: forkHeight, cut: nil) }

        let (fetched, failure) = await fetch(heights: (forkHeight + 1)...last, source: source, deadline: deadline)
        var headers: [BlockHeader] = []
        headers.reserveCapacity(fetched.count)
        var cut: String? = failure.map { "height \(forkHeight + 1 + fetched.count): \($0)" }
        var previous = forkHash
        for header in fetched {
            guard header.previousBlockHash == previous else {
                cut = "height \(forkHeight + 1 + headers.count): \(header.hash) does not build on \(previous)"
                break
            }
            headers.append(header)
            previous = header.hash
            if header.hash == request.hashStop { break }
        }
        if headers.isEmpty, let failure { throw failure }
        return HeaderWalk(headers: headers, forkHeight: forkHeight, cut: cut)
    }

    /// Fetches the headers at `heights`, a few in flight at once.
    /// - Returns: the headers of the longest run from the first height that came back, and the
    ///   error that ended it early, if any.
    static func fetch(
        heights: ClosedRange<Int>, source: EsploraSource, deadline: ContinuousClock.Instant
    ) async -> ([BlockHeader], EsploraSourceError?) {
        var slots = [BlockHeader?](repeating: nil, count: heights.count)
        var firstFailure: (index: Int, error: EsploraSourceError)?
        await withTaskGroup(of: (Int, Result<BlockHeader, EsploraSourceError>).self) { group in
            var next = 0
            func add() {
                guard next < heights.count else { return }
                let index = next, height = heights.lowerBound + next
                next += 1
                group.addTask {
                    do throws(EsploraSourceError) {
                        let hash = try await source.blockHash(atHeight: height, deadline: deadline)
                        return (index, .success(try await source.header(hash, deadline: deadline)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<EsploraLimits.walkConcurrency { add() }
            while let (index, result) = await group.next() {
                switch result {
                case .success(let header): slots[index] = header
                case .failure(let error):
                    if firstFailure == nil || index < firstFailure!.index { firstFailure = (index, error) }
                }
                // After a failure, nothing beyond it is of use: stop starting new heights.
                if firstFailure == nil { add() }
            }
        }
        let end = firstFailure?.index ?? heights.count
        var headers: [BlockHeader] = []
        headers.reserveCapacity(end)
        for slot in slots[..<end] {
            guard let slot else { break }
            headers.append(slot)
        }
        return (headers, firstFailure?.error)
    }
}
