#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT for a process that starts children (altnetd, the demo).
public enum TerminationSignals {
    /// Unblocks SIGTERM and SIGINT in this process. A parent (a test runner, some supervisors)
    /// may have blocked them, and children inherit the mask: blocked, neither this process nor
    /// the children it stops with SIGTERM would ever shut down gracefully.
    public static func unblock() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
