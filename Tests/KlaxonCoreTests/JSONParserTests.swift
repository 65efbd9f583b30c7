import Foundation
import Testing
@testable import KlaxonCore

@Suite struct JSONParserTests {
    static func parse(_ s: String) throws(DecodeError) -> JSONDocument { try JSONDocument(bytes: Array(s.utf8)) }

    @Test func scalarsAndStructure() throws {
        let doc = try Self.parse(#" {"a":[1,-2.5e3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}} "#)
        let root = doc.roots[0]
        let a = try #require(doc.member(root, "a"))
        let items = Array(doc.elements(a))
        #expect(items.count == 6)
        #expect(doc.int64(items[0]) == 1)
        #expect(doc.double(items[1]) == -2500)
        #expect(doc.text(items[2]) == "true")
        #expect(doc.kind(items[4]) == .null)
        #expect(doc.string(items[5]) == "xé😀\n")
        #expect(doc.count(try #require(doc.member(root, "b"))) == 0)
        #expect(doc.member(root, "c") == nil)
    }

    @Test func bigIntegersKeepEveryDigit() throws {
        let doc = try Self.parse(#"{"t":1685022245478445995,"huge":1e400,"over":99999999999999999999}"#)
        let r = doc.roots[0]
        #expect(doc.int64(try #require(doc.member(r, "t"))) == 1_685_022_245_478_445_995)
        #expect(doc.double(try #require(doc.member(r, "huge"))) == nil)
        #expect(doc.int64(try #require(doc.member(r, "over"))) == nil)
        #expect(doc.text(try #require(doc.member(r, "over"))) == "99999999999999999999")
    }

    @Test(arguments: [
        ("", "", "empty input") as (String, String, String),
        ("{", "", "unexpected end of input in object"),
        (#"{"a":[1,2,}"#, "a[2]", "unexpected character '}'"),
        (#"{"a" 1}"#, "a", "expected ':' after key"),
        (#"{"a":01}"#, "a", "expected ',' or '}' in object"),
        (#"{"a":tru}"#, "a", "invalid literal"),
        (#"{"a":"\x"}"#, "a", "invalid escape in string"),
        (#"{"a":"\ud800"}"#, "a", "lone surrogate in"),
        ("{\"a\":\"\t\"}", "a", "control character in string"),
        (#"{"a":1.}"#, "a", "invalid number: digit expected after '.'"),
        (#"{"a":{"b":[{"c":-}]}}"#, "a.b[0].c", "invalid number"),
    ])
    func syntaxErrorsNameThePath(json: String, path: String, message: String) {
        do {
            _ = try Self.parse(json)
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.path == path)
            #expect(error.message.hasPrefix(message))
        }
    }

    @Test func invalidUTF8IsAnError() {
        for bad: [UInt8] in [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x28, 0xA1]] {
            let bytes = Array(#"{"k":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(throws: DecodeError.self) { try JSONDocument(bytes: bytes) }
        }
    }

    @Test func deepNestingIsRefusedNotRecursed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try Self.parse(deep)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("nesting deeper than \(JSONDocument.maxDepth)"))
        }
        let ok = String(repeating: "[", count: JSONDocument.maxDepth) + String(repeating: "]", count: JSONDocument.maxDepth)
        #expect(throws: Never.self) { try Self.parse(ok) }
    }

    @Test func absurdSizeIsRefusedBeforeParsing() {
        let big = [UInt8](repeating: 0x20, count: JSONDocument.maxBytes + 1)
        #expect(throws: DecodeError.self) { try JSONDocument(bytes: big) }
    }

    @Test func escapedKeysStillMatch() throws {
        let doc = try Self.parse(#"{"r\u0075le":"x"}"#)
        #expect(doc.member(doc.roots[0], "rule").flatMap(doc.string) == "x")
    }

    @Test func ndjsonRoots() throws {
        let doc = try Self.parse("{\"a\":1}\n\n{\"a\":2}\r\n[3]")
        #expect(doc.roots.count == 3)
        #expect(doc.path(of: doc.roots[2] + 1) == "#3[0]")
    }

    @Test func rfc3339Variants() {
        let base = Timestamps.make(year: 2016, month: 8, day: 4, hour: 16, minute: 17, second: 57)!
        #expect(Timestamps.rfc3339("2016-08-04T16:17:57Z") == base)
        #expect(Timestamps.rfc3339("2016-08-04T18:17:57+02:00") == base)
        #expect(Timestamps.rfc3339("2016-08-04T16:17:57.000000000+0000") == base)
        #expect(Timestamps.rfc3339("2016-08-04 16:17:57z") == base)
        #expect(Timestamps.rfc3339("2016-08-04T16:17:57") == nil)
        #expect(Timestamps.rfc3339("2016-13-04T16:17:57Z") == nil)
        #expect(Timestamps.rfc3339("2016-08-04T16:17:57.Z") == nil)
        #expect(Timestamps.format(base) == "2016-08-04T16:17:57.000Z")
    }
}
