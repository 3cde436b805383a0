import DriverProtocol

/// The driver's state after `init`.
actor EsploraDriverState {
    private var sources: [EsploraSource] = []
    private var transport: (any EsploraTransport)?
    private var book: SourceBook?
    /// Sources found serving another chain.
    private var excluded: Set<String> = []
    private var check: Task<Void, Never>?

    func set(sources: [EsploraSource], transport: any EsploraTransport, book: SourceBook) {
        self.sources = sources
        self.transport = transport
        self.book = book
    }

    func setCheck(_ task: Task<Void, Never>) { check = task }

    func exclude(_ id: String) { excluded.insert(id) }

    /// The highest tip height each source reported.
    private var heights: [String: Int] = [:]

    /// Records a source's tip height.
    /// - Returns: true when it is higher than any it reported before (worth announcing).
    func announce(_ id: String, height: Int) -> Bool {
        guard !excluded.contains(id), height > heights[id] ?? -1 else { return false }
        heights[id] = height
        return true
    }

    func announced(_ id: String) -> Int? { heights[id] }

    /// The usable sources (not excluded) and the book.
    func ready() throws(DriverProtocolError) -> ([EsploraSource], SourceBook) {
        guard let book, !sources.isEmpty else { throw DriverProtocolError(.notInitialized, "init first") }
        return (sources.filter { !excluded.contains($0.baseURL) }, book)
    }

    func close() async {
        check?.cancel()
        check = nil
        await transport?.shutdown()
        transport = nil
        sources = []
        book = nil
    }
}
