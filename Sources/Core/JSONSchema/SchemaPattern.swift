/// A `pattern` (or `patternProperties` name) compiled for a matcher that runs in time linear in
/// the text and memory linear in the pattern, whatever either is (a Thompson NFA simulated
/// breadth first, as RE2 does): a 16 MiB hex payload checked against `^([0-9a-fA-F]{2})*$`
/// needs no backtracking stack (ICU's gives up near a million characters, Swift's `Regex` used
/// 700 MB on eight million).
///
/// The syntax is ECMA-262's (JSON Schema's dialect), with Unicode semantics: literals and
/// identity escapes, `.`, `^`, `$` (input start and end: no multiline flag), classes `[...]`,
/// `[^...]` with ranges, `\d \D \w \W \s \S`, `\p{...}`/`\P{...}` for general categories,
/// `\t \n \r \f \v \0 \xHH \uHHHH \u{H...}`, groups `(...)`, `(?:...)`, `(?<name>...)`,
/// alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy forms too: the answer is the
/// same). Not supported, and refused when the schema is loaded: backreferences, lookaround,
/// word boundaries `\b \B`, `\cX`, `\k<name>`, `\p{Script=...}`.
public struct SchemaPattern: Sendable {
    /// Trivial values only (a class is an index into `classes`), so stepping through the
    /// program costs no reference counting.
    enum Instruction: Sendable {
        /// Consume one scalar in `classes[index]`.
        case scalar(Int)
        case split(Int, Int)
        case jump(Int)
        case assertStart
        case assertEnd
        case match
    }

    /// Longest compiled program (counted repetitions are expanded): bounds memory and the
    /// per-character work.
    static let maxInstructions = 20_000

    public let source: String
    let program: [Instruction]
    let classes: [PatternClass]
    /// The classes' ASCII bitmaps (``PatternClass/low``, ``PatternClass/high``), apart, for
    /// the matcher's hot path.
    let asciiLow: [UInt64]
    let asciiHigh: [UInt64]

    /// Compiles a pattern.
    /// - Throws: ``SchemaError`` for a syntax error or a construct outside the supported syntax.
    public init(_ source: String) throws(SchemaError) {
        self.source = source
        var parser = PatternParser(Array(source.unicodeScalars))
        let node = try parser.parse()
        var program: [Instruction] = []
        var classes: [PatternClass] = []
        try Self.emit(node, into: &program, classes: &classes)
        program.append(.match)
        self.program = program
        self.classes = classes
        self.asciiLow = classes.map(\.low)
        self.asciiHigh = classes.map(\.high)
    }

    private static func emit(_ node: PatternNode, into program: inout [Instruction], classes: inout [PatternClass]) throws(SchemaError) {
        guard program.count < maxInstructions else {
            throw SchemaError("pattern too large: over \(maxInstructions) steps once repetitions are expanded")
        }
        switch node {
        case .empty: break
        case .scalar(let set):
            program.append(.scalar(classes.count))
            classes.append(set)
        case .start: program.append(.assertStart)
        case .end: program.append(.assertEnd)
        case .concat(let nodes):
            for part in nodes { try emit(part, into: &program, classes: &classes) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    try emit(branch, into: &program, classes: &classes)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch, into: &program, classes: &classes)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repeated(let inner, let minimum, let maximum):
            for _ in 0..<minimum { try emit(inner, into: &program, classes: &classes) }
            if let maximum {
                var splits: [Int] = []
                for _ in minimum..<max(minimum, maximum) {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    try emit(inner, into: &program, classes: &classes)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                try emit(inner, into: &program, classes: &classes)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}
