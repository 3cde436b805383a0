/// The breadth-first simulation: every live state advances over one scalar at a time, so each
/// character costs at most one visit per instruction.
extension SchemaPattern {
    /// Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored).
    public func matches(_ text: String) -> Bool {
        var current = StateSet(capacity: program.count)
        var next = StateSet(capacity: program.count)
        var stack: [Int] = []
        var scalars = text.unicodeScalars.makeIterator()
        var scalar = scalars.next()
        var atStart = true
        while true {
            // A match may start at any position.
            addClosure(0, to: &current, stack: &stack, atStart: atStart, atEnd: scalar == nil)
            if current.contains(program.count - 1) { return true }
            guard let character = scalar else { return false }
            let following = scalars.next()
            let value = character.value
            next.removeAll()
            for slot in 0..<current.count {
                let pc = current.member(slot)
                guard case .scalar(let set) = program[pc] else { continue }
                let accepted = value < 64 ? asciiLow[set] >> UInt64(value) & 1 == 1
                    : value < 128 ? asciiHigh[set] >> UInt64(value - 64) & 1 == 1
                    : classes[set].contains(character)
                if accepted {
                    addClosure(pc + 1, to: &next, stack: &stack, atStart: false, atEnd: following == nil)
                }
            }
            swap(&current, &next)
            scalar = following
            atStart = false
        }
    }

    /// Adds `pc` and every state reachable from it without consuming input.
    private func addClosure(_ pc: Int, to set: inout StateSet, stack: inout [Int], atStart: Bool, atEnd: Bool) {
        stack.append(pc)
        while let pc = stack.popLast() {
            guard set.insert(pc) else { continue }
            switch program[pc] {
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .jump(let target): stack.append(target)
            case .assertStart: if atStart { stack.append(pc + 1) }
            case .assertEnd: if atEnd { stack.append(pc + 1) }
            case .scalar, .match: break
            }
        }
    }
}

/// A set of program counters with O(1) insert, lookup and clear (a sparse set).
struct StateSet {
    private var members: [Int] = []
    private var index: [Int]

    var count: Int { members.count }

    func member(_ slot: Int) -> Int { members[slot] }

    init(capacity: Int) { index = Array(repeating: 0, count: capacity) }

    func contains(_ pc: Int) -> Bool {
        let slot = index[pc]
        return slot < members.count && members[slot] == pc
    }

    /// - Returns: false when `pc` was already in the set.
    mutating func insert(_ pc: Int) -> Bool {
        if contains(pc) { return false }
        index[pc] = members.count
        members.append(pc)
        return true
    }

    mutating func removeAll() { members.removeAll(keepingCapacity: true) }
}
