import Foundation

/// Reads a secret from a file, trimmed of surrounding whitespace. The error names the file's
/// role and path, never its content.
enum SecretFile {
    static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransportSetupError("\(what): cannot read \(path)")
        }
        let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty else { throw TransportSetupError("\(what): \(path) is empty") }
        return s
    }
}
