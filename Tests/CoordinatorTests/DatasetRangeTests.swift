import Testing
@testable import CoordinatorKit
import Shared

@Suite("Dataset downloads: Content-Length and byte ranges (RFC 9110)")
struct DatasetRangeTests {
    let body = Array("age,sex\n52,M\n58,F\n".utf8)

    func get(_ range: String?) -> HTTPResponse {
        var request = HTTPRequest(method: "GET", target: "/v1/datasets/d/synthetic.csv")
        if let range { request.headers.add("Range", range) }
        return DatasetCatalog.ranged(body, request: request, contentType: "text/csv", name: "d.csv")
    }

    @Test("whole file, first bytes, open-ended, suffix, clamped end")
    func ranges() {
        let whole = get(nil)
        #expect(whole.status == 200 && whole.body == body && whole.headers["Accept-Ranges"] == "bytes")
        #expect(whole.serialized(keepAlive: false).count > body.count)
        let first = get("bytes=0-6")
        #expect(first.status == 206 && first.body == Array("age,sex".utf8) && first.headers["Content-Range"] == "bytes 0-6/\(body.count)")
        let open = get("bytes=8-")
        #expect(open.status == 206 && open.body == Array("52,M\n58,F\n".utf8))
        let suffix = get("bytes=-5")
        #expect(suffix.body == Array("58,F\n".utf8))
        let clamped = get("bytes=13-999")
        #expect(clamped.status == 206 && clamped.body == Array("58,F\n".utf8))
    }

    @Test("unsatisfiable or unsupported ranges get 416 with the size")
    func unsatisfiable() {
        for range in ["bytes=99-", "bytes=5-2", "bytes=0-1,4-5", "lines=1-2", "bytes=-0", "bytes=x-y"] {
            let response = get(range)
            #expect(response.status == 416, "\(range)")
            #expect(response.headers["Content-Range"] == "bytes */\(body.count)", "\(range)")
        }
    }
}
