import Foundation
import Synchronization

/// A TCP port on 127.0.0.1 for a process the test starts to listen on.
///
/// Chosen at random below the kernel's ephemeral range (`ip_local_port_range`, 32768–60999 by
/// default) and checked free by binding it. A port the kernel hands out for `bind(0)` goes back
/// to the ephemeral pool when the check closes it, where any outgoing connection (librdkafka
/// opens many) or in-process server of a test running beside may take it before the child
/// process binds it; that made a service fail to start now and then. Below the range only
/// another caller of this function could take it, and it picks at random among ~12,000 — and
/// never a port it handed out before in this process: two instances of one test, or tests
/// running beside, each checked the same port free before either child bound it (a fresh-clone
/// CI run lost a cluster test to "Address already in use" on such a port).
public func freePort() throws -> Int {
    let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
    let range = 20000..<max(20001, min(ephemeralStart, 65536))
    for _ in 0..<200 {
        let port = Int.random(in: range)
        guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
        if canBind(port) { return port }
    }
    throw TimedOut(what: "no free port found in \(range)")
}

/// Ports `freePort` returned (or found taken) in this process.
private let handedOut = Mutex<Set<Int>>([])

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    let len = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } } == 0
}
