#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The allocator policy of a long-running `klaxon run`.
enum AllocatorPolicy {
    /// glibc's malloc serves blocks of 128 KiB and more with their own mappings by default, but
    /// raises that threshold (up to 32 MiB) each time such a block is freed; from then on the
    /// service's large transient buffers (decoded batches, flush slices, sweep arrays) come
    /// from the heap, whose freed middle is never returned — a 300,000-alert run peaked at
    /// ~525 MB with the sliding threshold and ~435 MB with it fixed (issue #8). Fixing it
    /// costs an mmap/munmap pair per large block. `MALLOC_MMAP_THRESHOLD_` in the environment
    /// (glibc's own setting, in bytes) wins over this.
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if canImport(Glibc)
        guard environment["MALLOC_MMAP_THRESHOLD_"] == nil else { return }
        // `mallopt` is in glibc's malloc.h, which the Glibc module does not import: looked up
        // by name (RTLD_DEFAULT). M_MMAP_THRESHOLD is -3 in malloc.h.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 128 * 1024)
        #endif
    }
}
