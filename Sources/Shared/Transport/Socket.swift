import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket file descriptor with typed, EINTR-retrying wrappers over the POSIX calls.
public final class Socket: @unchecked Sendable {
    /// The raw descriptor (-1 once closed).
    public private(set) var descriptor: Int32
    private let lock = NSLockShim()

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// Ignores SIGPIPE process-wide: a peer that hangs up must produce EPIPE, not kill us.
    static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN); return () }()

    /// A listening socket bound to `host:port` (port 0 picks a free port; see `localPort`).
    public static func listen(host: String, port: UInt16, backlog: Int32 = 128) throws -> Socket {
        _ = ignoreSIGPIPE
        let address = try IPv4Address(host: host, port: port)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw systemError("socket") }
        let socket = Socket(descriptor: fd)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.sockaddr
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            throw ApiaryError(.io, code == EADDRINUSE ? "port \(port) on \(host) is already in use; choose another port or stop the process holding it"
                                  : "cannot bind \(host):\(port): \(String(cString: strerror(code)))")
        }
        guard Glibc.listen(fd, backlog) == 0 else { throw systemError("listen") }
        return socket
    }

    /// A connected socket to `host:port`, giving up after `timeout` seconds.
    public static func connect(host: String, port: UInt16, timeout: Double) throws -> Socket {
        _ = ignoreSIGPIPE
        let address = try IPv4Address(host: host, port: port)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw systemError("socket") }
        let socket = Socket(descriptor: fd)
        try socket.setTimeouts(read: timeout, write: timeout)
        var storage = address.sockaddr
        while true {
            let result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result == 0 { break }
            if errno == EINTR { continue }
            let code = errno
            throw ApiaryError(.io, "cannot connect to \(host):\(port): \(String(cString: strerror(code)))")
        }
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        return socket
    }

    /// Accepts one connection; nil when the listening socket was shut down.
    public func accept() throws -> Socket? {
        while true {
            let fd = Glibc.accept(descriptor, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                var noDelay: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                return Socket(descriptor: fd)
            }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EBADF, EINVAL: return nil  // closed or shut down by `shutdown()`
            case EMFILE, ENFILE:
                // Out of descriptors: back off briefly instead of spinning.
                usleep(50_000)
                continue
            default: throw Self.systemError("accept")
            }
        }
    }

    /// The local port (after binding port 0).
    public var localPort: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Sets SO_RCVTIMEO / SO_SNDTIMEO (0 = wait forever).
    public func setTimeouts(read: Double, write: Double) throws {
        func timeval(_ seconds: Double) -> Glibc.timeval {
            Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        }
        var r = timeval(read), w = timeval(write)
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &r, socklen_t(MemoryLayout<Glibc.timeval>.size)) == 0,
              setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &w, socklen_t(MemoryLayout<Glibc.timeval>.size)) == 0 else {
            throw Self.systemError("setsockopt")
        }
    }

    /// The remote address as "a.b.c.d:port" (getpeername), for logs; "unknown" if unavailable.
    public var peerAddress: String {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let found = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard found == 0 else { return "unknown" }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count)) != nil else { return "unknown" }
        return "\(String(cString: text)):\(UInt16(bigEndian: address.sin_port))"
    }

    /// Puts the descriptor in non-blocking mode (fcntl O_NONBLOCK): calls return EAGAIN instead
    /// of waiting, and `wait(for:until:)` bounds every wait by a deadline.
    public func setNonBlocking() throws {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else { throw Self.systemError("fcntl") }
    }

    /// What `wait(for:until:)` waits for.
    public enum Readiness: Sendable { case readable, writable }

    /// Waits (poll) until the socket is readable or writable, or `deadline` passes; returns false
    /// on the deadline. A shut-down or failed socket counts as ready: the next call reports it.
    public func wait(for readiness: Readiness, until deadline: DispatchTime) throws -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(readiness == .readable ? POLLIN : POLLOUT), revents: 0)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard deadline.uptimeNanoseconds > now else { return false }
            // Round up so a wait never ends a fraction of a millisecond before its deadline.
            let milliseconds = Int32(min((deadline.uptimeNanoseconds - now + 999_999) / 1_000_000, UInt64(Int32.max)))
            let ready = poll(&request, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 { continue }
            if errno == EINTR { continue }
            throw Self.systemError("poll")
        }
    }

    /// Stops reads and writes (wakes a thread blocked in accept or read) without closing.
    public func shutdown() {
        lock.withLock { if descriptor >= 0 { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) } }
    }

    /// Closes the descriptor (idempotent).
    public func close() {
        lock.withLock {
            if descriptor >= 0 {
                _ = Glibc.close(descriptor)
                descriptor = -1
            }
        }
    }

    static func systemError(_ call: String) -> ApiaryError {
        let code = errno
        return ApiaryError(.io, "\(call) failed: \(String(cString: strerror(code)))")
    }
}

/// An IPv4 socket address from dotted-quad text or a host name resolved with getaddrinfo
/// ("localhost" means 127.0.0.1).
struct IPv4Address {
    let sockaddr: sockaddr_in

    init(host: String, port: UInt16) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let text = host == "localhost" ? "127.0.0.1" : host
        if inet_pton(AF_INET, text, &address.sin_addr) != 1 {
            // A host name: resolve it to its first IPv4 address.
            var hints = addrinfo()
            hints.ai_family = AF_INET
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var results: UnsafeMutablePointer<addrinfo>? = nil
            let status = getaddrinfo(text, nil, &hints, &results)
            defer { if let results { freeaddrinfo(results) } }
            guard status == 0, let first = results, let resolved = first.pointee.ai_addr else {
                throw ApiaryError(.invalidArgument, "cannot resolve '\(host)' to an IPv4 address; check the name or give the address as a.b.c.d")
            }
            resolved.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address.sin_addr = $0.pointee.sin_addr }
        }
        self.sockaddr = address
    }
}
