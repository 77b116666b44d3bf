import Testing
import QuiverCLI

@Suite struct ByteCursorTests {
    @Test func readsLittleEndianAndStopsAtTheEnd() {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05]
        bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            #expect(cursor.getInteger(at: 1, as: UInt16.self) == 0x0302)
            #expect(cursor.readerIndex == 0)
            #expect(cursor.readInteger(as: UInt32.self) == 0x0403_0201)
            #expect(cursor.readableBytes == 1)
            #expect(cursor.readInteger(as: UInt16.self) == nil)
            #expect(cursor.readerIndex == 4, "a failed read does not move the cursor")
            #expect(cursor.readBytes(count: 2) == nil)
            #expect(cursor.readBytes(count: 1).map(Array.init) == [0x05])
            #expect(cursor.getInteger(at: -1, as: UInt8.self) == nil)
            #expect(cursor.getInteger(at: Int.max, as: UInt8.self) == nil)
            #expect(cursor.readBytes(count: -1) == nil)
        }
    }

    @Test func emptyBufferReadsNothing() {
        var cursor = ByteCursor(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(cursor.readInteger(as: UInt8.self) == nil)
        #expect(cursor.readBytes(count: 0)?.count == 0)
    }
}
