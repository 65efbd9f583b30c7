import Foundation
import HummingbirdTLS
import KlaxonCore
import KlaxonDelivery
import KlaxonTesting
import Testing

/// `http_config.tls_config` against a real HTTPS server that only trusts client certificates
/// from a test CA and presents a certificate for `klaxon.test` (not for 127.0.0.1).
@Suite struct TLSChannelTests {
    struct PKI {
        let dir: URL
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    }

    /// A CA, a server certificate for DNS:klaxon.test and a client certificate, made with openssl.
    static func makePKI() async throws -> PKI {
        let openssl = try Tools.require("openssl", package: "openssl")
        let dir = try ChannelFixtures.tempDir("pki")
        try "subjectAltName=DNS:klaxon.test\n".write(to: dir.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=klaxon-test-ca"],
            ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=klaxon.test"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"],
            ["req"] + ec + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=klaxon-client"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"],
        ]
        for args in steps {
            let (status, _, err) = try await ChildProcess.run(openssl, args, in: dir)
            try #require(status == 0, "openssl \(args.prefix(2)): \(err)")
        }
        return PKI(dir: dir)
    }

    static func serverTLS(_ pki: PKI) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.path("server.pem")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.path("server.key"), format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.path("ca.pem")))
        tls.certificateVerification = .noHostnameVerification  // a client certificate is required
        return tls
    }

    func delivers(_ config: HTTPClientConfig, to server: ChannelTestServer) async -> Bool {
        let url = server.base + "/hook"
        do {
            // Generous: a TLS handshake of a debug build on a loaded 2-core machine took over 5 s; refusals fail fast anyway.
            let sink = WebhookSink(url: url, timeout: .seconds(30), transport: try HTTPTransport(config: config, url: url))
            try await sink.deliver(ChannelFixtures.notification([ChannelFixtures.alert("CVE-1")]))
            return true
        } catch {
            return false
        }
    }

    @Test func caFileServerNameAndClientCertificateAreAllHonoured() async throws {
        let pki = try await Self.makePKI()
        try await withServer(tls: try Self.serverTLS(pki)) { server in
            let full = HTTPClientConfig(tlsCAFile: pki.path("ca.pem"), tlsCertFile: pki.path("client.pem"), tlsKeyFile: pki.path("client.key"),
                                        tlsServerName: "klaxon.test")
            #expect(await delivers(full, to: server), "CA, server name and client certificate together are accepted")
            #expect(server.received.count == 1)

            var noCA = full
            noCA.tlsCAFile = nil
            #expect(await !delivers(noCA, to: server), "the test CA is not a system root")
            var noName = full
            noName.tlsServerName = nil
            #expect(await !delivers(noName, to: server), "the certificate is for klaxon.test, not 127.0.0.1")
            var noClientCert = full
            noClientCert.tlsCertFile = nil
            noClientCert.tlsKeyFile = nil
            #expect(await !delivers(noClientCert, to: server), "the server requires a client certificate")
            var insecure = noCA
            insecure.tlsServerName = nil
            insecure.tlsInsecureSkipVerify = true
            #expect(await delivers(insecure, to: server), "insecure_skip_verify accepts any server certificate")
            #expect(server.received.count == 2)
        }
    }
}
