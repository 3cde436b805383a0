import BitcoinPrimitives
import JSON

/// The "scriptPubKey" object bitcoind v26 prints (`ScriptToUniv` with hex and address, in
/// src/core_write.cpp): asm, desc, hex, address (when one exists and the type is not a bare
/// public key), type. Regtest addresses; no signing provider, as `gettxout` has none.
///
/// Simplifications, fine for a double: public keys are not checked to be on the curve (Core's
/// `IsFullyValid`), and multisig is recognised with OP_1..OP_16 counts only.
enum ScriptDescription {
    static func json(_ script: [UInt8]) -> JSONValue {
        let (type, info) = solve(script)
        var members: [(String, JSONValue)] = [
            ("asm", .string(asm(script))),
            ("desc", .string(withChecksum(descriptor(script, type: type, info: info)))),
            ("hex", .string(script.hex)),
        ]
        if type != "pubkey", let address = address(type: type, info: info) {
            members.append(("address", .string(address)))
        }
        members.append(("type", .string(type)))
        return .object(members)
    }

    // MARK: Solver (src/script/solver.cpp)

    /// The output type name and its data: hash, witness (version, program), keys.
    struct Info {
        var hash: [UInt8] = []
        var witnessVersion = 0
        var keys: [[UInt8]] = []
        var required = 0
    }

    static func solve(_ s: [UInt8]) -> (String, Info) {
        var info = Info()
        if s.count == 23, s[0] == 0xa9, s[1] == 0x14, s[22] == 0x87 {
            info.hash = Array(s[2..<22])
            return ("scripthash", info)
        }
        if (4...42).contains(s.count), s[0] == 0x00 || (0x51...0x60).contains(s[0]), Int(s[1]) + 2 == s.count {
            info.witnessVersion = s[0] == 0 ? 0 : Int(s[0]) - 0x50
            info.hash = Array(s[2...])
            switch (info.witnessVersion, info.hash.count) {
            case (0, 20): return ("witness_v0_keyhash", info)
            case (0, 32): return ("witness_v0_scripthash", info)
            case (0, _): return ("nonstandard", info)
            case (1, 32): return ("witness_v1_taproot", info)
            default: return ("witness_unknown", info)
            }
        }
        if s.first == 0x6a, isPushOnly(s.dropFirst()) { return ("nulldata", info) }
        if s.count == 35 || s.count == 67, Int(s[0]) == s.count - 2, s.last == 0xac, validKeySize(Array(s[1..<(s.count - 1)])) {
            info.keys = [Array(s[1..<(s.count - 1)])]
            return ("pubkey", info)
        }
        if s.count == 25, s[0] == 0x76, s[1] == 0xa9, s[2] == 0x14, s[23] == 0x88, s[24] == 0xac {
            info.hash = Array(s[3..<23])
            return ("pubkeyhash", info)
        }
        if let (m, keys) = multisig(s) {
            info.required = m
            info.keys = keys
            return ("multisig", info)
        }
        return ("nonstandard", info)
    }

    static func validKeySize(_ k: [UInt8]) -> Bool {
        (k.count == 33 && (k[0] == 2 || k[0] == 3)) || (k.count == 65 && (k[0] == 4 || k[0] == 6 || k[0] == 7))
    }

    static func multisig(_ s: [UInt8]) -> (Int, [[UInt8]])? {
        guard s.count >= 3, s.last == 0xae, let ops = parse(s), ops.count >= 3 else { return nil }
        guard case .op(let mOp) = ops[0], (0x51...0x60).contains(mOp),
            case .op(let nOp) = ops[ops.count - 2], (0x51...0x60).contains(nOp)
        else { return nil }
        var keys: [[UInt8]] = []
        for op in ops[1..<(ops.count - 2)] {
            guard case .push(_, let data) = op, validKeySize(data) else { return nil }
            keys.append(data)
        }
        let m = Int(mOp) - 0x50, n = Int(nOp) - 0x50
        guard keys.count == n, m <= n else { return nil }
        return (m, keys)
    }

    // MARK: Parsing and asm (CScript::GetOp, ScriptToAsmStr)

    enum Op {
        case push(opcode: UInt8, data: [UInt8])
        case op(UInt8)
    }

    /// The operations, or nil when a push runs past the end.
    static func parse<C: Collection>(_ s: C) -> [Op]? where C.Element == UInt8, C.Index == Int {
        var ops: [Op] = []
        var i = s.startIndex
        while i < s.endIndex {
            let opcode = s[i]
            i += 1
            guard opcode <= 0x4e else { ops.append(.op(opcode)); continue }
            var length = Int(opcode)
            let width = opcode == 0x4c ? 1 : opcode == 0x4d ? 2 : opcode == 0x4e ? 4 : 0
            if width > 0 {
                guard s.endIndex - i >= width else { return nil }
                length = 0
                for k in 0..<width { length |= Int(s[i + k]) << (8 * k) }
                i += width
            }
            guard s.endIndex - i >= length else { return nil }
            ops.append(.push(opcode: opcode, data: Array(s[i..<(i + length)])))
            i += length
        }
        return ops
    }

    static func isPushOnly<C: Collection>(_ s: C) -> Bool where C.Element == UInt8, C.Index == Int {
        guard let ops = parse(s) else { return false }
        return ops.allSatisfy {
            if case .op(let o) = $0 { return o <= 0x60 }  // OP_1NEGATE, OP_RESERVED, OP_1..OP_16 count
            return true
        }
    }

    /// ScriptToAsmStr without sighash decoding: pushes of up to 4 bytes as numbers, longer ones
    /// as hex, other opcodes by name; "[error]" where a push runs past the end.
    static func asm(_ s: [UInt8]) -> String {
        var parts: [String] = []
        var rest = s[...]
        while let opcode = rest.first {
            if opcode > 0x4e {
                parts.append(opName(opcode))
                rest = rest.dropFirst()
                continue
            }
            let width = opcode == 0x4c ? 1 : opcode == 0x4d ? 2 : opcode == 0x4e ? 4 : 0
            var length = Int(opcode)
            var body = rest.dropFirst()
            if width > 0 {
                guard body.count >= width else { parts.append("[error]"); break }
                length = 0
                for (k, b) in body.prefix(width).enumerated() { length |= Int(b) << (8 * k) }
                body = body.dropFirst(width)
            }
            guard body.count >= length else { parts.append("[error]"); break }
            let data = Array(body.prefix(length))
            parts.append(data.count <= 4 ? String(scriptNum(data)) : data.hex)
            rest = body.dropFirst(length)
        }
        return parts.joined(separator: " ")
    }

    /// CScriptNum of up to 4 bytes, little-endian sign-magnitude, non-minimal allowed.
    static func scriptNum(_ d: [UInt8]) -> Int64 {
        guard let last = d.last else { return 0 }
        var v: Int64 = 0
        for (k, b) in d.enumerated() { v |= Int64(b) << (8 * Int64(k)) }
        if last & 0x80 != 0 {
            return -(v & ~(Int64(0x80) << (8 * Int64(d.count - 1))))
        }
        return v
    }

    /// GetOpName (src/script/script.cpp) for opcodes above the pushes.
    static func opName(_ op: UInt8) -> String {
        switch op {
        case 0x4f: return "-1"
        case 0x50: return "OP_RESERVED"
        case 0x51...0x60: return String(Int(op) - 0x50)
        case 0x61...0xba: return namesFrom0x61[Int(op) - 0x61]
        default: return "OP_UNKNOWN"
        }
    }

    static let namesFrom0x61: [String] = [
        "OP_NOP", "OP_VER", "OP_IF", "OP_NOTIF", "OP_VERIF", "OP_VERNOTIF", "OP_ELSE", "OP_ENDIF", "OP_VERIFY", "OP_RETURN",
        "OP_TOALTSTACK", "OP_FROMALTSTACK", "OP_2DROP", "OP_2DUP", "OP_3DUP", "OP_2OVER", "OP_2ROT", "OP_2SWAP",
        "OP_IFDUP", "OP_DEPTH", "OP_DROP", "OP_DUP", "OP_NIP", "OP_OVER", "OP_PICK", "OP_ROLL", "OP_ROT", "OP_SWAP",
        "OP_TUCK", "OP_CAT", "OP_SUBSTR", "OP_LEFT", "OP_RIGHT", "OP_SIZE", "OP_INVERT", "OP_AND", "OP_OR", "OP_XOR",
        "OP_EQUAL", "OP_EQUALVERIFY", "OP_RESERVED1", "OP_RESERVED2", "OP_1ADD", "OP_1SUB", "OP_2MUL", "OP_2DIV",
        "OP_NEGATE", "OP_ABS", "OP_NOT", "OP_0NOTEQUAL", "OP_ADD", "OP_SUB", "OP_MUL", "OP_DIV", "OP_MOD", "OP_LSHIFT",
        "OP_RSHIFT", "OP_BOOLAND", "OP_BOOLOR", "OP_NUMEQUAL", "OP_NUMEQUALVERIFY", "OP_NUMNOTEQUAL", "OP_LESSTHAN",
        "OP_GREATERTHAN", "OP_LESSTHANOREQUAL", "OP_GREATERTHANOREQUAL", "OP_MIN", "OP_MAX", "OP_WITHIN",
        "OP_RIPEMD160", "OP_SHA1", "OP_SHA256", "OP_HASH160", "OP_HASH256", "OP_CODESEPARATOR", "OP_CHECKSIG",
        "OP_CHECKSIGVERIFY", "OP_CHECKMULTISIG", "OP_CHECKMULTISIGVERIFY", "OP_NOP1", "OP_CHECKLOCKTIMEVERIFY",
        "OP_CHECKSEQUENCEVERIFY", "OP_NOP4", "OP_NOP5", "OP_NOP6", "OP_NOP7", "OP_NOP8", "OP_NOP9", "OP_NOP10",
        "OP_CHECKSIGADD",
    ]
}
