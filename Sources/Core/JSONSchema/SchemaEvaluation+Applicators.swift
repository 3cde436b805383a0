import JSON

/// The applicator keywords: each applies subschemas to the instance or to parts of it.
extension SchemaEvaluation {
    func applicators(_ instance: JSONValue, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        if case .string(let reference)? = m["$ref"] { ref(instance, reference, frame, into: &out) }
        if case .array(let all)? = m["allOf"] {
            for schema in all { apply(instance, schema, frame, into: &out) }
        }
        if case .array(let any)? = m["anyOf"], !any.contains(where: { passes(instance, $0, frame) }) {
            record(frame, "anyOf", "matches none of the \(any.count) alternatives", into: &out)
        }
        if case .array(let one)? = m["oneOf"] {
            let matching = one.indices.filter { passes(instance, one[$0], frame) }
            if matching.count != 1 {
                record(frame, "oneOf", matching.isEmpty ? "matches none of the \(one.count) alternatives"
                    : "matches alternatives \(matching.map(String.init).joined(separator: " and ")), expected exactly one", into: &out)
            }
        }
        if let not = m["not"], passes(instance, not, frame) {
            record(frame, "not", "matches the schema it must not match", into: &out)
        }
        if let condition = m["if"] {
            if passes(instance, condition, frame) {
                if let then = m["then"] { apply(instance, then, frame, into: &out) }
            } else if let otherwise = m["else"] {
                apply(instance, otherwise, frame, into: &out)
            }
        }
        switch instance {
        case .object(let members): objectApplicators(members, frame, into: &out)
        case .array(let items): arrayApplicators(items, frame, into: &out)
        default: break
        }
    }

    private func ref(_ instance: JSONValue, _ reference: String, _ frame: Frame, into out: inout [SchemaViolation]) {
        let target = SchemaURI.resolve(reference, against: frame.base)
        guard let located = registry.locate(target) else {
            record(frame, "$ref", "cannot resolve \(target)", into: &out)
            return
        }
        apply(instance, located.schema, frame, base: located.outerBase, into: &out)
    }

    private func objectApplicators(_ members: JSONObject, _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        let keys = members.keys.sorted()
        var evaluated: Set<String> = []
        if case .object(let properties)? = m["properties"] {
            for key in keys {
                guard let schema = properties[key], let value = members[key] else { continue }
                evaluated.insert(key)
                apply(value, schema, frame, path: frame.path + [key], into: &out)
            }
        }
        if case .object(let patterns)? = m["patternProperties"] {
            for (pattern, schema) in patterns.sorted(by: { $0.key < $1.key }) {
                for key in keys where matches(key, pattern: pattern) == true {
                    evaluated.insert(key)
                    apply(members[key] ?? .null, schema, frame, path: frame.path + [key], into: &out)
                }
            }
        }
        if let additional = m["additionalProperties"] {
            for key in keys where !evaluated.contains(key) {
                if case .bool(false) = additional {
                    record(frame, "additionalProperties", "property not allowed", at: frame.path + [key], into: &out)
                } else {
                    apply(members[key] ?? .null, additional, frame, path: frame.path + [key], into: &out)
                }
            }
        }
        if let names = m["propertyNames"] {
            for key in keys { apply(.string(key), names, frame, path: frame.path + [key], into: &out) }
        }
        if case .object(let dependents)? = m["dependentSchemas"] {
            for (name, schema) in dependents.sorted(by: { $0.key < $1.key }) where members[name] != nil {
                apply(.object(members), schema, frame, into: &out)
            }
        }
    }

    private func arrayApplicators(_ items: [JSONValue], _ frame: Frame, into out: inout [SchemaViolation]) {
        let m = frame.members
        var prefixCount = 0
        if case .array(let prefix)? = m["prefixItems"] {
            prefixCount = prefix.count
            for (index, schema) in zip(items.indices, prefix) {
                apply(items[index], schema, frame, path: frame.path + [String(index)], into: &out)
            }
        }
        if let rest = m["items"], items.count > prefixCount {
            if case .bool(false) = rest {
                record(frame, "items", "\(items.count) items where at most \(prefixCount) are allowed", into: &out)
            } else {
                for index in prefixCount..<items.count {
                    guard out.count < frame.limit else { break }
                    apply(items[index], rest, frame, path: frame.path + [String(index)], into: &out)
                }
            }
        }
        if let contains = m["contains"] {
            let minimum = Self.count(m["minContains"]) ?? 1
            let maximum = Self.count(m["maxContains"])
            var found = 0
            for (index, item) in items.enumerated() where passes(item, contains, frame, path: frame.path + [String(index)]) {
                found += 1
                if let maximum, found > maximum { break }
            }
            if found < minimum {
                record(frame, minimum == 1 && m["minContains"] == nil ? "contains" : "minContains",
                       "\(found) items match \"contains\", fewer than \(minimum)", into: &out)
            }
            if let maximum, found > maximum {
                record(frame, "maxContains", "more than \(maximum) items match \"contains\"", into: &out)
            }
        }
    }
}
