/// Bounds of one validation, so that neither a schema nor an instance can make it run away.
public enum SchemaLimits {
    /// Deepest nesting of schema evaluation, `$ref` hops included. A `$ref` cycle that consumes
    /// no instance depth ends here with a violation instead of recursing forever. Derivation:
    /// the driver schemas nest about 6 deep; the official test suite's deepest case under 20.
    public static let maxDepth = 128

    /// Violations collected per validation; later ones are counted, not kept.
    public static let maxViolations = 64
}
