import Foundation
import Testing
@testable import KlaxonCore

@Suite struct TimeIntervalTests {
    func intervals(_ yaml: String) throws -> [String: NamedTimeInterval] {
        try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n" + yaml, file: "t.yml")
            .timeIntervalsByName
    }

    func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func officeHoursInBerlinAcrossDaylightSaving() throws {
        let t = try #require(try intervals("""
          - name: office
            time_intervals:
              - times: [{start_time: '09:00', end_time: '17:00'}]
                weekdays: ['monday:friday']
                location: Europe/Berlin
        """)["office"])
        // Winter, UTC+1: 08:30Z is 09:30 local.
        #expect(t.contains(date("2025-01-15T08:30:00Z")))
        #expect(!t.contains(date("2025-01-15T07:59:00Z")))
        #expect(!t.contains(date("2025-01-15T16:00:00Z")))   // 17:00 local, end exclusive
        #expect(t.contains(date("2025-01-15T15:59:00Z")))
        // Summer, UTC+2: 07:30Z is 09:30 local.
        #expect(t.contains(date("2025-07-15T07:30:00Z")))
        #expect(!t.contains(date("2025-07-15T15:30:00Z")))
        // Saturday.
        #expect(!t.contains(date("2025-01-18T10:00:00Z")))
        // Friday 23:30Z is Saturday in Tokyo but still Friday in Berlin; Monday 23:30 UTC is Tuesday 00:30 in Berlin.
        #expect(!t.contains(date("2025-01-13T23:30:00Z")))
    }

    @Test func weekdayDependsOnZone() throws {
        let i = try intervals("""
          - name: sat-tokyo
            time_intervals: [{weekdays: [saturday], location: Asia/Tokyo}]
          - name: sat-utc
            time_intervals: [{weekdays: [saturday]}]
        """)
        let fridayNightUTC = date("2025-01-17T20:00:00Z")   // Saturday 05:00 in Tokyo
        #expect(i["sat-tokyo"]!.contains(fridayNightUTC))
        #expect(!i["sat-utc"]!.contains(fridayNightUTC))
    }

    @Test func negativeDaysOfMonthCountFromTheEnd() throws {
        let t = try #require(try intervals("""
          - name: month-end
            time_intervals: [{days_of_month: ['-3:-1']}]
        """)["month-end"])
        #expect(t.contains(date("2024-02-27T12:00:00Z")))   // leap year: 27, 28, 29
        #expect(t.contains(date("2024-02-29T12:00:00Z")))
        #expect(!t.contains(date("2024-02-26T12:00:00Z")))
        #expect(t.contains(date("2025-01-29T00:00:00Z")))
        #expect(!t.contains(date("2025-01-28T23:59:00Z")))
    }

    @Test func monthsYearsAndDayRanges() throws {
        let t = try #require(try intervals("""
          - name: q1-2025
            time_intervals: [{months: ['january:march'], years: ['2025'], days_of_month: ['1:7', '-1']}]
        """)["q1-2025"])
        #expect(t.contains(date("2025-02-03T10:00:00Z")))
        #expect(t.contains(date("2025-03-31T10:00:00Z")))
        #expect(!t.contains(date("2025-03-30T10:00:00Z")))
        #expect(!t.contains(date("2025-04-01T10:00:00Z")))
        #expect(!t.contains(date("2024-02-03T10:00:00Z")))
    }

    @Test func monthNumbersAndEmptyIntervalLists() throws {
        let i = try intervals("""
          - name: dec
            time_intervals: [{months: ['12']}]
          - name: never
            time_intervals: []
          - name: always
            time_intervals: [{}]
        """)
        #expect(i["dec"]!.contains(date("2025-12-24T18:00:00Z")))
        #expect(!i["dec"]!.contains(date("2025-11-24T18:00:00Z")))
        #expect(!i["never"]!.contains(date("2025-12-24T18:00:00Z")))
        #expect(i["always"]!.contains(date("2025-12-24T18:00:00Z")))
    }

    @Test(arguments: [
        ("[{times: [{start_time: '17:00', end_time: '09:00'}]}]", "start time cannot be equal or greater than end time"),
        ("[{times: [{start_time: '25:00', end_time: '26:00'}]}]", "couldn't parse timestamp 25:00, invalid format"),
        ("[{days_of_month: ['-3:5']}]", "end day must be negative if start day is negative"),
        ("[{days_of_month: ['0']}]", "\"0\" is not a valid value or range"),
        ("[{weekdays: [funday]}]", "\"funday\" is not a valid value or range"),
        ("[{location: Mars/Olympus}]", "unknown time zone Mars/Olympus"),
    ])
    func refusesBadIntervals(windows: String, reason: String) {
        do {
            _ = try intervals("  - name: x\n    time_intervals: \(windows)")
            Issue.record("accepted")
        } catch {
            #expect((error as? ConfigError)?.reason == reason)
        }
    }
}
