#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The allocator policy of a long-running `klaxon run`. Each setting yields to glibc's own
/// environment variable for it when that is set.
enum AllocatorPolicy {
    /// glibc's malloc serves blocks of 128 KiB and more with their own mappings by default, but
    /// raises that threshold (up to 32 MiB) each time such a block is freed; from then on the
    /// service's large transient buffers (decoded batches, flush slices, sweep arrays) come
    /// from the heap, whose freed middle is never returned — a 300,000-alert run peaked at
    /// ~525 MB with the sliding threshold and ~435 MB with it fixed (issue #8). Fixing it
    /// costs an mmap/munmap pair per large block. `MALLOC_MMAP_THRESHOLD_` (bytes) wins.
    ///
    /// glibc also gives threads that contend for the heap arenas of their own, up to eight per
    /// core, and each arena keeps what was freed in it. The service's threads (ingest, flush,
    /// dispatcher, lifecycle, librdkafka, SQLite readers) touched many: one arena per core
    /// (at least 2) took a 300,000-alert run with 5 s re-flushes from 466 MB to 364–378 MB
    /// peak RSS, at 3–5 % of throughput (docs/performance.md). `MALLOC_ARENA_MAX` wins.
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if canImport(Glibc)
        // `mallopt` is in glibc's malloc.h, which the Glibc module does not import: looked up
        // by name (RTLD_DEFAULT). M_MMAP_THRESHOLD is -3 and M_ARENA_MAX -8 in malloc.h.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(-3, 128 * 1024) }
        if environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(-8, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount))) }
        #endif
    }
}
