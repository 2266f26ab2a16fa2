@_spi(Neko) import NekoCore
import Testing

@Suite struct DurationUnitsTests {
    @Test func millisecondsAndNanosecondsAreWholeAndClamped() {
        #expect(Duration.milliseconds(1500).wholeMilliseconds == 1500)
        #expect(Duration.microseconds(2999).wholeMilliseconds == 2)
        #expect(Duration.seconds(-3).wholeMilliseconds == 0)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == Int64.max)
        #expect(Duration.seconds(5_000_000).abiMilliseconds == UInt32.max)
        #expect(Duration.seconds(10).abiMilliseconds == 10_000)
        #expect(Duration.milliseconds(50).clampedNanoseconds == 50_000_000)
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == Int.max)
        #expect(Duration.nanoseconds(-1).clampedNanoseconds == 0)
    }
}
