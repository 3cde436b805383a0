import CSecp256k1

/// The one libsecp256k1 context altnet uses.
///
/// Why sharing it across tasks and threads is safe: libsecp256k1 documents that a context is
/// only mutated by `secp256k1_context_randomize` and `secp256k1_context_destroy`; every other call
/// takes it as `const secp256k1_context *` and is thread-safe on a shared context. This context is
/// created and randomised exactly once, inside a Swift `static let` initialiser (which runs once,
/// under a lock, before any reader sees the value), and is never destroyed or re-randomised. After
/// that it is read-only for the life of the process, so concurrent use from any task is sound.
/// `@unchecked Sendable` on ``ContextHandle`` records exactly that argument.
enum Context {
    struct ContextHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    static let shared: ContextHandle = {
        let flags = UInt32(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY)
        guard let ctx = secp256k1_context_create(flags) else {
            // Only fails when the library cannot allocate: there is no way to continue.
            preconditionFailure("secp256k1_context_create failed")
        }
        // Blinding against side channels on signing and key generation.
        var seed = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = rng.next() }
        _ = secp256k1_context_randomize(ctx, seed)
        return ContextHandle(pointer: ctx)
    }()

    @inline(__always)
    static var pointer: OpaquePointer { shared.pointer }
}
