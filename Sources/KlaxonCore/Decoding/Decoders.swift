import Foundation

/// Entry point: bytes of one message → normalized alerts, or a `DecodeError` naming the culprit.
public enum Decoders {
    public static func decode(_ data: Data, format: InputFormat, context: DecodeContext) throws(DecodeError) -> DecodedReport {
        throw DecodeError("format \(format.rawValue) is not supported yet")
    }
}
