import Testing
@testable import Shared

@Suite("HTTP/1.1 parser")
struct HTTPParserTests {
    static let post = Array("POST /v1/rounds/3/updates?agent=a%20b HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nhello".utf8)
    static let get = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)

    @Test("the same bytes parse identically whole, split at every position, and concatenated")
    func splitAndConcatenate() throws {
        var whole = HTTPParser(kind: .request)
        whole.feed(Self.post)
        let expected = try #require(try whole.nextRequest())
        #expect(expected.method == "POST")
        #expect(expected.path == "/v1/rounds/3/updates")
        #expect(expected.query["agent"] == "a b")
        #expect(expected.body == Array("hello".utf8))
        #expect(expected.headers["content-type"] == "application/octet-stream")
        for split in 0...Self.post.count {
            var parser = HTTPParser(kind: .request)
            parser.feed(Self.post[0..<split])
            var got = try parser.nextRequest()
            if split < Self.post.count { #expect(got == nil, "complete after only \(split) bytes") }
            parser.feed(Self.post[split...])
            if got == nil { got = try parser.nextRequest() }
            #expect(got == expected, "split at \(split)")
        }
        var pipelined = HTTPParser(kind: .request)
        pipelined.feed(Self.post + Self.get + Self.post)
        #expect(try pipelined.nextRequest() == expected)
        let second = try #require(try pipelined.nextRequest())
        #expect(second.path == "/healthz" && !second.keepAlive)
        #expect(try pipelined.nextRequest() == expected)
        #expect(try pipelined.nextRequest() == nil)
    }

    @Test("responses round-trip through the serialiser and parser")
    func responses() throws {
        let response = HTTPResponse.json(409, "{\"error\": \"duplicate\"}")
        let bytes = response.serialized(keepAlive: true)
        for split in stride(from: 0, through: bytes.count, by: 7) {
            var parser = HTTPParser(kind: .response)
            parser.feed(bytes[0..<split])
            var got = try parser.nextResponse()
            parser.feed(bytes[split...])
            if got == nil { got = try parser.nextResponse() }
            #expect(got?.status == 409)
            #expect(got?.bodyText == "{\"error\": \"duplicate\"}")
        }
    }

    func rejection(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        var parser = HTTPParser(kind: .request, limits: limits)
        parser.feed(Array(text.utf8))
        do {
            _ = try parser.nextRequest()
            return nil
        } catch {
            return error
        }
    }

    @Test("malformed and oversized requests are refused with the right status")
    func badRequests() {
        #expect(rejection("GARBAGE\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/2.0\r\n\r\n")?.status == 505)
        #expect(rejection("GET x HTTP/1.1\r\n\r\n")?.status == 400)
        #expect(rejection("get /x HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 501)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n")?.status == 400)
        #expect(rejection("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n")?.status == 400)
        #expect(rejection("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n")?.status == 400)
        #expect(rejection("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")?.status == 501)
        #expect(rejection("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", limits: HTTPLimits(maxBodyBytes: 1000))?.status == 413)
        let longHeader = "GET /x HTTP/1.1\r\nX: " + String(repeating: "a", count: 2000) + "\r\n\r\n"
        #expect(rejection(longHeader, limits: HTTPLimits(maxHeaderBytes: 1000))?.status == 431)
        // A head that never ends is refused once it passes the limit, without waiting for more.
        #expect(rejection("GET /x HTTP/1.1\r\nX: " + String(repeating: "a", count: 2000), limits: HTTPLimits(maxHeaderBytes: 1000))?.status == 431)
        let manyHeaders = "GET /x HTTP/1.1\r\n" + (0..<20).map { "H\($0): v\r\n" }.joined() + "\r\n"
        #expect(rejection(manyHeaders, limits: HTTPLimits(maxHeaderCount: 10))?.status == 431)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: x\r\n\r\n") == nil)
    }

    @Test("framing, Host, control characters, target length, methods and versions (RFC 9110/9112)")
    func requestRules() {
        #expect(rejection("GET /healthz HTTP/1.1\nHost: x\n\n")?.status == 400)
        #expect(rejection("GET /healthz HTTP/1.1\n")?.status == 400)  // refused before the head could end
        #expect(rejection("GET /healthz HTTP/1.1\r\nHost: x\rY: z\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/1.1\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/1.0\r\n\r\n") == nil)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: x\r\nX: a\u{1}b\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: x\r\nX: a\tb\r\n\r\n") == nil)
        #expect(rejection("GET /x HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n")?.status == 400)
        // 414 as soon as the target is known to be too long, before the line ends.
        #expect(rejection("GET /" + String(repeating: "a", count: 1100), limits: HTTPLimits(maxTargetBytes: 1024))?.status == 414)
        #expect(rejection("BREW /x HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 501)
        #expect(rejection("G(T /x HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(rejection("GET /x HTTP/2.0\r\n\r\n")?.reason.contains("HTTP/1.0") == true)
        #expect(rejection("GET /x HTTP/1.1x\r\n\r\n")?.status == 400)
        #expect(rejection("GET /a/../b HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(rejection("GET /a/%2e HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(rejection("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n")?.status == 400)
        #expect(rejection("\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n") == nil)  // an empty line before the request is skipped
    }

    @Test("Connection is a token list; paths are decoded per segment")
    func connectionAndPaths() {
        #expect(!HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("Connection", "TE, close")])).keepAlive)
        #expect(!HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("Connection", "te"), ("connection", " Close ")])).keepAlive)
        #expect(HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("Connection", "closed, keep-alive")])).keepAlive)
        var old = HTTPParser(kind: .request)
        old.feed(Array("GET /x HTTP/1.0\r\nConnection: TE\r\n\r\nGET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n".utf8))
        #expect((try? old.nextRequest())??.keepAlive == false)
        #expect((try? old.nextRequest())??.keepAlive == true)
        #expect(Route(path: "/%68ealthz").matches("healthz"))
        #expect(Route(path: "/v1/rounds/a%2Fb/updates").match("v1/rounds/*/updates") == ["a/b"])
        #expect(!Route(path: "/v1%2Frounds").matches("v1/rounds"))
        #expect(Route(path: "/v1/datasets/a+b").match("v1/datasets/*") == ["a+b"])
        #expect(HTTPRequest(method: "GET", target: "/x?q=a+b%21&bad=%zz").query == ["q": "a b!", "bad": "%zz"])
    }

    @Test("a head then its body: the buffered part moves out once, the rest is left for the caller")
    func headThenBody() throws {
        for split in 0...Self.post.count {
            var parser = HTTPParser(kind: .request)
            parser.feed(Self.post[0..<split])
            var head = try parser.nextRequestHead()
            if head == nil {
                parser.feed(Self.post[split...])
                head = try parser.nextRequestHead()
            } else {
                parser.feed(Self.post[split...])
            }
            let (request, length) = try #require(head, "split at \(split)")
            #expect(request.method == "POST" && request.body.isEmpty && length == 5)
            var body = [UInt8](repeating: 0, count: length)
            let moved = body.withUnsafeMutableBytes { parser.takeBuffered(into: $0) }
            #expect(moved == 5 && body == Array("hello".utf8) && parser.bufferedByteCount == 0)
        }
    }
}
