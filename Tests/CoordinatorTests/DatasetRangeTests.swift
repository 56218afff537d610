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
        // A last-byte-pos beyond any integer is still a position: clamped to the last byte.
        let huge = get("bytes=0-99999999999999999999")
        #expect(huge.status == 206 && huge.body == body && huge.headers["Content-Range"] == "bytes 0-\(body.count - 1)/\(body.count)")
    }

    @Test("a range starting at or past the end, or an empty suffix, gets 416 with the size")
    func unsatisfiable() {
        for range in ["bytes=99-", "bytes=18-20", "bytes=99999999999999999999-", "bytes=-0"] {
            let response = get(range)
            #expect(response.status == 416, "\(range)")
            #expect(response.headers["Content-Range"] == "bytes */\(body.count)", "\(range)")
        }
    }

    @Test("an invalid or unsupported Range is ignored: 200 with the whole file (RFC 9110 section 14.2)")
    func ignored() {
        for range in ["items=0-5", "bytes=5-3", "bytes=0-abc", "bytes=+5-+9", "bytes=x-y", "bytes=0-1,4-5", "bytes", "bytes=-"] {
            let response = get(range)
            #expect(response.status == 200 && response.body == body && response.headers["Content-Range"] == nil, "\(range)")
        }
        // An If-Range this server cannot evaluate, or a method other than GET: the whole file.
        var conditional = HTTPRequest(method: "GET", target: "/v1/datasets/d/synthetic.csv", headers: HTTPHeaders([("Range", "bytes=0-3"), ("If-Range", "\"x\"")]))
        #expect(DatasetCatalog.ranged(body, request: conditional, contentType: "text/csv", name: "d.csv").status == 200)
        let post = HTTPRequest(method: "POST", target: "/v1/datasets/d/synthetic.csv", headers: HTTPHeaders([("Range", "bytes=0-3")]))
        #expect(DatasetCatalog.ranged(body, request: post, contentType: "text/csv", name: "d.csv").status == 200)
        conditional.headers = HTTPHeaders([("Range", "bytes=0-3")])
        #expect(DatasetCatalog.ranged(body, request: conditional, contentType: "text/csv", name: "d.csv").status == 206)
    }
}
