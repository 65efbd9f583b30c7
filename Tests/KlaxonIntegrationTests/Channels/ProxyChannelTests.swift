import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonTesting
import Testing

/// `http_config.proxy_url` against a real CONNECT proxy (a few lines of Python the test starts)
/// that prints each request line and its `Proxy-Authorization`, then tunnels to the receiver.
@Suite struct ProxyChannelTests {
    static let proxyScript = #"""
        import socket, threading
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        print("PORT", srv.getsockname()[1], flush=True)
        def pipe(a, b):
            try:
                while True:
                    d = a.recv(65536)
                    if not d:
                        break
                    b.sendall(d)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        def handle(c):
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk:
                    c.close()
                    return
                data += chunk
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            auth = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("proxy-authorization:")), "-")
            print("SEEN", method, target, auth, flush=True)
            if method != "CONNECT":
                c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                c.close()
                return
            host, port = target.rsplit(":", 1)
            u = socket.create_connection((host, int(port)))
            c.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                u.sendall(rest)
            threading.Thread(target=pipe, args=(c, u), daemon=True).start()
            pipe(u, c)
        while True:
            c, _ = srv.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()
        """#

    @Test func requestsGoThroughTheProxyWithItsCredentials() async throws {
        let python = try Tools.require("python3", package: "python3")
        let dir = try ChannelFixtures.tempDir("proxy")
        let script = dir.appendingPathComponent("proxy.py")
        try Self.proxyScript.write(to: script, atomically: true, encoding: .utf8)
        let proxy = try ChildProcess(python, [script.path], in: dir)
        do {
            var port = 0
            try await eventually("the proxy prints its port", timeout: .seconds(30)) {
                if !proxy.isRunning { throw TimedOut(what: "proxy exited: \(proxy.stderr)") }
                guard let r = proxy.stdout.range(of: "PORT ") else { return false }
                port = Int(proxy.stdout[r.upperBound...].prefix { $0.isNumber }) ?? 0
                return port > 0
            }
            try await withServer { server in
                let url = server.base + "/hook"
                let config = HTTPClientConfig(proxyURL: "http://pxuser:px%20pass@127.0.0.1:\(port)")
                try await WebhookSink(url: url, transport: try HTTPTransport(config: config, url: url))
                    .deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
                #expect(server.received.count == 1, "the notification arrived through the tunnel")
                let auth = "Basic " + Data("pxuser:px pass".utf8).base64EncodedString()
                #expect(proxy.stdout.contains("SEEN CONNECT 127.0.0.1:\(server.port) \(auth)"), "proxy saw: \(proxy.stdout)")
            }
        } catch {
            _ = try? await proxy.stop(signal: SIGKILL)
            throw error
        }
        _ = try await proxy.stop(signal: SIGKILL)
    }
}
