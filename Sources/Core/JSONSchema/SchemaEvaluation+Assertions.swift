import JSON

/// The assertion keywords: each looks at the instance alone.
extension SchemaEvaluation {
    func assertions(_ instance: JSONValue, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        if let type = m["type"] { checkType(instance, type, frame, into: &out) }
        if case .array(let options)? = m["enum"], !options.contains(where: { $0.schemaEquals(instance) }) {
            record(frame, "enum", "expected one of \(JSONValue.array(options).schemaText()), got \(instance.schemaText())", into: &out)
        }
        if let constant = m["const"], !constant.schemaEquals(instance) {
            record(frame, "const", "expected \(constant.schemaText()), got \(instance.schemaText())", into: &out)
        }
        switch instance {
        case .int, .double: numeric(instance, frame, into: &out)
        case .string(let text): string(text, frame, into: &out)
        case .array(let items): array(items, frame, into: &out)
        case .object(let members): object(members, frame, into: &out)
        default: break
        }
    }

    private func checkType(_ instance: JSONValue, _ type: JSONValue, _ frame: Frame, into out: inout [SchemaViolation]) {
        let actual = instance.schemaTypeName
        let allowed: [String]
        switch type {
        case .string(let name): allowed = [name]
        case .array(let names): allowed = names.compactMap(\.stringValue)
        default: return
        }
        let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
        if !ok { record(frame, "type", "expected \(allowed.joined(separator: " or ")), got \(actual)", into: &out) }
    }

    private func numeric(_ instance: JSONValue, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        let text = instance.schemaText()
        if let divisor = m["multipleOf"], let d = divisor.schemaNumber, d > 0 {
            let ok: Bool
            if case .int(let a) = SchemaEqualityKey(instance), case .int(let b) = SchemaEqualityKey(divisor) {
                ok = a % b == 0
            } else {
                let quotient = (instance.schemaNumber ?? 0) / d
                ok = quotient.isFinite && quotient == quotient.rounded()
            }
            if !ok { record(frame, "multipleOf", "\(text) is not a multiple of \(divisor.schemaText())", into: &out) }
        }
        let bounds: [(String, String, (Int) -> Bool)] = [
            ("minimum", "less than the minimum", { $0 < 0 }),
            ("exclusiveMinimum", "not greater than the exclusive minimum", { $0 <= 0 }),
            ("maximum", "greater than the maximum", { $0 > 0 }),
            ("exclusiveMaximum", "not less than the exclusive maximum", { $0 >= 0 }),
        ]
        for (keyword, wording, fails) in bounds {
            guard let bound = m[keyword], let order = Self.compare(instance, bound), fails(order) else { continue }
            record(frame, keyword, "\(text) is \(wording) \(bound.schemaText())", into: &out)
        }
    }

    /// -1, 0 or 1 as `a` is below, equal to or above `b`; nil unless both are numbers. Two
    /// integers compare exactly; otherwise as doubles.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if case .int(let x) = SchemaEqualityKey(a), case .int(let y) = SchemaEqualityKey(b) { return x < y ? -1 : x == y ? 0 : 1 }
        guard let x = a.schemaNumber, let y = b.schemaNumber else { return nil }
        return x < y ? -1 : x == y ? 0 : 1
    }

    /// A non-negative integer keyword value (`2` or `2.0`).
    static func count(_ value: JSONValue?) -> Int? {
        guard let value, case .int(let n) = SchemaEqualityKey(value), n >= 0 else { return nil }
        return Int(clamping: n)
    }

    private func string(_ text: String, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        let minLength = Self.count(m["minLength"]), maxLength = Self.count(m["maxLength"])
        if minLength != nil || maxLength != nil {
            // Length in Unicode code points, as the draft counts.
            let length = text.unicodeScalars.count
            if let minLength, length < minLength { record(frame, "minLength", "\(length) characters, fewer than \(minLength)", into: &out) }
            if let maxLength, length > maxLength { record(frame, "maxLength", "\(length) characters, more than \(maxLength)", into: &out) }
        }
        if case .string(let pattern)? = m["pattern"] {
            switch matches(text, pattern: pattern) {
            case true?: break
            case false?: record(frame, "pattern", "\(JSONValue.string(text).schemaText(limit: 40)) does not match \(pattern)", into: &out)
            case nil: record(frame, "pattern", "the schema's pattern \(pattern) does not compile", into: &out)
            }
        }
    }

    private func array(_ items: [JSONValue], _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        if let minItems = Self.count(m["minItems"]), items.count < minItems {
            record(frame, "minItems", "\(items.count) items, fewer than \(minItems)", into: &out)
        }
        if let maxItems = Self.count(m["maxItems"]), items.count > maxItems {
            record(frame, "maxItems", "\(items.count) items, more than \(maxItems)", into: &out)
        }
        if case .bool(true)? = m["uniqueItems"] {
            var seen: Set<SchemaEqualityKey> = []
            for (index, item) in items.enumerated() where !seen.insert(SchemaEqualityKey(item)).inserted {
                record(frame, "uniqueItems", "item \(index) repeats an earlier item", into: &out)
                break
            }
        }
    }

    private func object(_ members: JSONObject, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        if let minProperties = Self.count(m["minProperties"]), members.count < minProperties {
            record(frame, "minProperties", "\(members.count) properties, fewer than \(minProperties)", into: &out)
        }
        if let maxProperties = Self.count(m["maxProperties"]), members.count > maxProperties {
            record(frame, "maxProperties", "\(members.count) properties, more than \(maxProperties)", into: &out)
        }
        if case .array(let required)? = m["required"] {
            for case .string(let name) in required where members[name] == nil {
                record(frame, "required", "missing required property \"\(name)\"", into: &out)
            }
        }
        if case .object(let dependencies)? = m["dependentRequired"] {
            for (name, needed) in dependencies.sorted(by: { $0.key < $1.key }) where members[name] != nil {
                guard case .array(let names) = needed else { continue }
                for case .string(let other) in names where members[other] == nil {
                    record(frame, "dependentRequired", "\"\(name)\" requires \"\(other)\"", into: &out)
                }
            }
        }
    }
}
