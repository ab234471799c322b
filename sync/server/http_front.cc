// The connection front (see http_front.h): accept, read and frame on one epoll thread;
// route and answer on workers. A connection is owned by exactly one side at a time: the
// event thread while it is idle or mid-request, a worker while its request is handled.
#include "http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http_framing.h"
#include "metrics.h"

namespace edgestay::server {
namespace {

int64_t NowMonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A complete request as httplib's parser reads it; writes are collected and sent once.
class CanonicalStream : public httplib::Stream {
 public:
  CanonicalStream(std::string_view in, const std::string& ip, int port)
      : in_(in), ip_(ip), port_(port) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = ip_;
    port = port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& out() const { return out_; }
  std::string take_out() { return std::move(out_); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  std::string ip_;
  int port_;
  std::string out_;
};

void PeerOf(int fd, std::string* ip, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  *port = 0;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    *port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    *port = ntohs(a->sin6_port);
  }
  *ip = buf;
}

// Sends all of `data` on a non-blocking socket, waiting at most until `deadline_ms`.
bool SendAll(int fd, const char* data, size_t size, int64_t deadline_ms) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int64_t left = deadline_ms - NowMonoMs();
      if (left <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000))) < 0 && errno != EINTR)
        return false;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

// httplib::Server's writer of a routed request's response is private; a deferred answer
// needs exactly it (the same headers, keep-alive, compression and logger as an answer
// written before the handler returned), so its address is taken the one way C++ allows
// for a private member: as the argument of an explicit template instantiation.
using WriteResponseFn = bool (httplib::Server::*)(httplib::Stream&, bool, const httplib::Request&,
                                                  httplib::Response&);
struct WriteResponseTag {
  friend WriteResponseFn PrivateWriteResponse(WriteResponseTag);
};
template <WriteResponseFn F>
struct ExposeWriteResponse {
  friend WriteResponseFn PrivateWriteResponse(WriteResponseTag) { return F; }
};
template struct ExposeWriteResponse<&httplib::Server::write_response_with_content>;

namespace {
// What Handle lends a handler that defers (RoutedServer::Defer), on this thread only.
struct DeferSlot {
  std::shared_ptr<DeferredResponse> reply;
  std::function<void(std::shared_ptr<DeferredResponse>)> start;
};
thread_local DeferSlot* t_defer = nullptr;
}  // namespace

bool RoutedServer::WriteResponse(httplib::Stream& strm, bool close, const httplib::Request& req,
                                 httplib::Response& res) {
  return (this->*PrivateWriteResponse(WriteResponseTag{}))(strm, close, req, res);
}

RoutedServer::Handled RoutedServer::Handle(std::string_view request, bool close,
                                           const std::string& remote_ip, int remote_port,
                                           const std::function<bool(const char*, size_t)>& write,
                                           const std::function<std::unique_ptr<Responder>()>& take) {
  CanonicalStream strm(request, remote_ip, remote_port);
  bool connection_closed = false;
  DeferSlot slot;
  t_defer = take ? &slot : nullptr;
  const bool ok = process_request(strm, close, connection_closed, nullptr);
  t_defer = nullptr;
  if (slot.reply) {
    // What httplib wrote was a placeholder (not counted by the logger): the answer is
    // written by Finish, with the same `close` and connection rule.
    slot.reply->server_ = this;
    slot.reply->close_ = close;
    slot.reply->keep_ = ok && !close && !connection_closed;
    slot.reply->to_ = take();
    slot.start(std::move(slot.reply));
    return Handled::kDeferred;
  }
  const bool sent = strm.out().empty() || write(strm.out().data(), strm.out().size());
  return ok && sent && !connection_closed ? Handled::kKeep : Handled::kClose;
}

bool RoutedServer::HandleOne(std::string_view request, bool close, const std::string& remote_ip,
                             int remote_port,
                             const std::function<bool(const char*, size_t)>& write) {
  return Handle(request, close, remote_ip, remote_port, write, nullptr) == Handled::kKeep;
}

bool RoutedServer::Defer(const httplib::Request& req, httplib::Response& res,
                         std::function<void(std::shared_ptr<DeferredResponse>)> start) {
  if (!t_defer || t_defer->reply) return false;
  auto reply = std::make_shared<DeferredResponse>();
  // The request's parts httplib's writer and the logger read (not its body).
  reply->req_.method = req.method;
  reply->req_.path = req.path;
  reply->req_.version = req.version;
  reply->req_.headers = req.headers;
  reply->req_.ranges = req.ranges;
  reply->req_.remote_addr = req.remote_addr;
  reply->req_.remote_port = req.remote_port;
  reply->res_ = std::move(res);  // (what httplib writes now is dropped)
  reply->started_ = DeferRequestLog();
  t_defer->reply = std::move(reply);
  t_defer->start = std::move(start);
  res = httplib::Response();
  res.status = 202;  // the placeholder httplib writes now; dropped by Handle
  return true;
}

void DeferredResponse::Finish(const std::function<void(httplib::Response&)>& fill) {
  if (!to_) return;  // answered already
  try {
    fill(res_);
  } catch (...) {
    res_.status = 500;
    res_.set_content(ErrorBody("INTERNAL", "internal error"), "application/json");
  }
  CanonicalStream strm({}, req_.remote_addr, req_.remote_port);
  ResumeRequestLog(started_);
  const bool ok = server_->WriteResponse(strm, close_, req_, res_);
  std::unique_ptr<Responder> to = std::move(to_);
  to->Send(std::move(strm.take_out()), ok && keep_);
}

int BindListener(const std::string& host, int port, int* bound_port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    *error = "cannot resolve host '" + host + "': " + ::gai_strerror(rc);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(list, &::freeaddrinfo);
  *error = "no address to bind for '" + host + "'";
  for (addrinfo* ai = list; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      *error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only lets a restarted server bind past TIME_WAIT sockets; unlike
    // SO_REUSEPORT it never lets a second live server share the port.
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      const int e = errno;
      ::close(fd);
      *error = e == EADDRINUSE
                   ? "port " + service + " on " + host +
                         " is already in use (another edgestay-server?); choose --port or stop it"
                   : "cannot bind " + host + ":" + service + ": " + std::strerror(e);
      if (e == EADDRINUSE) return -1;
      continue;
    }
    if (::listen(fd, 1024) != 0) {
      *error = std::string("listen: ") + std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *bound_port = addr.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    error->clear();
    return fd;
  }
  return -1;
}

struct HttpFront::Impl {
  struct Conn {
    int fd = -1;
    std::string ip;
    int port = 0;
    std::string buf;                 // received, not yet handled
    FrameProgress progress;          // what is known of the request in `buf`
    int64_t last_activity_ms = 0;    // last byte received or response sent
    int64_t request_start_ms = 0;    // first byte of the pending request (0 = idle)
    bool head_complete = false;
    bool sent_continue = false;
    int served = 0;
    int64_t linger_until_ms = 0;     // > 0: answered with an error, draining until closed
    size_t drained = 0;
    std::list<Conn*>::iterator lru;  // position in `lru` while the event thread owns it
  };
  struct Job {
    std::unique_ptr<Conn> conn;
    std::string request;
    // Or, with `request` empty: the rest of a deferred answer that did not fit the
    // socket's buffer, sent here (a worker may wait for a slow reader; the thread that
    // answered may not), then the connection kept or closed as `keep` says.
    std::string unsent;
    bool keep = false;
  };
  // A connection whose answer a handler deferred (RoutedServer::Defer).
  struct ConnResponder final : Responder {
    Impl* front;
    std::unique_ptr<Conn> conn;
    ConnResponder(Impl* f, std::unique_ptr<Conn> c) : front(f), conn(std::move(c)) {
      std::lock_guard<std::mutex> lock(front->mu);
      ++front->deferred;
    }
    ~ConnResponder() override {
      if (conn) front->CloseConn(std::move(conn));
      std::lock_guard<std::mutex> lock(front->mu);
      if (--front->deferred == 0) front->deferred_cv.notify_all();
    }
    void Send(std::string response, bool keep) override {
      front->SendDeferred(std::move(conn), std::move(response), keep);
    }
  };

  RoutedServer& server;
  FrontLimits limits;
  FrameLimits frame_limits;
  int epfd = -1;
  int wake_fd = -1;
  int listen_fd = -1;
  std::atomic<bool> stopping{false};
  std::atomic<int> open{0};
  size_t buffered = 0;  // event thread only
  int64_t accept_paused_until_ms = 0;

  // Event-thread state.
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  std::list<Conn*> lru;  // front = longest idle

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::vector<std::unique_ptr<Conn>> returned;  // keep-alive connections back from workers
  // Deferred answers not finished yet (ConnResponders alive): a stop waits for them, as
  // they are finished on threads the front does not own.
  int deferred = 0;
  std::condition_variable deferred_cv;
  std::vector<std::thread> workers;

  Impl(RoutedServer& s, const FrontLimits& l) : server(s), limits(l) {
    frame_limits.max_head_bytes = l.max_head_bytes;
    frame_limits.max_body_bytes = l.max_body_bytes;
  }

  void Wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  void CloseConn(std::unique_ptr<Conn> c) {
    ::close(c->fd);
    open.fetch_sub(1);
  }

  // Takes a connection out of the event thread (to a worker or to close it).
  std::unique_ptr<Conn> Detach(Conn* c) {
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    lru.erase(c->lru);
    buffered -= c->buf.size();
    auto it = conns.find(c->fd);
    std::unique_ptr<Conn> owned = std::move(it->second);
    conns.erase(it);
    return owned;
  }

  void Attach(std::unique_ptr<Conn> c) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = c->fd;
    if (::epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) return CloseConn(std::move(c));
    buffered += c->buf.size();
    lru.push_back(c.get());
    c->lru = std::prev(lru.end());
    const int fd = c->fd;
    Conn* raw = c.get();
    conns[fd] = std::move(c);
    // A pipelined request may already be complete in the buffer.
    if (!raw->buf.empty()) Advance(raw);
  }

  // Answers an error the front decided on and closes. Closing a socket with unread input
  // makes the kernel send a reset that destroys the answer on its way, so the connection
  // first lingers: our side is shut down and what the client still sends is read and
  // dropped (never buffered) for a short while.
  void Reject(Conn* c, int status, const std::string& code, const std::string& message) {
    if (limits.log_rejections)
      std::fprintf(stderr, "edgestay-server: %s:%d refused before routing: %d %s\n", c->ip.c_str(),
                   c->port, status, code.c_str());
    const std::string resp = ErrorResponse(status, code, message, limits.error_headers);
    SendAll(c->fd, resp.data(), resp.size(), NowMonoMs() + 200);
    ::shutdown(c->fd, SHUT_WR);
    buffered -= c->buf.size();
    std::string().swap(c->buf);
    c->linger_until_ms = NowMonoMs() + kLingerMs;
    lru.splice(lru.begin(), lru, c->lru);  // first to go when room is needed
  }

  static constexpr int64_t kLingerMs = 2000;
  static constexpr size_t kLingerMaxBytes = 4u << 20;

  void Drain(Conn* c) {
    char chunk[64 * 1024];
    const ssize_t n = ::recv(c->fd, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n > 0) c->drained += static_cast<size_t>(n);
    if (n <= 0 || c->drained > kLingerMaxBytes) CloseConn(Detach(c));
  }

  // Frames what `c` has sent; hands a complete request to the workers.
  void Advance(Conn* c) {
    Frame f = ParseFrame(c->buf, frame_limits, &c->progress);
    c->head_complete = f.head_complete;
    if (f.state == FrameState::kError) return Reject(c, f.status, f.code, f.message);
    if (f.state == FrameState::kNeedMore) {
      if (f.expect_continue && !c->sent_continue) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        SendAll(c->fd, kContinue, sizeof kContinue - 1, NowMonoMs() + 200);
        c->sent_continue = true;
      }
      return;
    }
    auto owned = Detach(c);
    owned->buf.erase(0, f.consumed);
    owned->progress = FrameProgress{};
    owned->sent_continue = false;
    owned->head_complete = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(Job{std::move(owned), std::move(f.request), std::string(), false});
    }
    cv.notify_one();
  }

  void OnReadable(Conn* c) {
    if (c->linger_until_ms) return Drain(c);
    char chunk[64 * 1024];
    const ssize_t n = ::recv(c->fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      CloseConn(Detach(c));
      return;
    }
    if (n < 0) return;
    if (buffered + static_cast<size_t>(n) > limits.max_buffered_bytes)
      return Reject(c, 503, "UNAVAILABLE", "the server is holding too many request bytes; retry");
    const int64_t now = NowMonoMs();
    if (c->buf.empty()) c->request_start_ms = now;
    c->buf.append(chunk, static_cast<size_t>(n));
    buffered += static_cast<size_t>(n);
    c->last_activity_ms = now;
    lru.splice(lru.end(), lru, c->lru);
    Advance(c);
  }

  void PauseAccept(bool pause) {
    if (pause == (accept_paused_until_ms != 0)) return;
    if (pause) {
      ::epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, nullptr);
      accept_paused_until_ms = NowMonoMs() + 100;
    } else {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = listen_fd;
      ::epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
      accept_paused_until_ms = 0;
    }
  }

  void OnAccept() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: make room by closing the longest idle connection; with
          // none to close, stop accepting for a moment instead of spinning on the event.
          if (!lru.empty()) {
            CloseConn(Detach(lru.front()));
            continue;
          }
          PauseAccept(true);
        }
        return;  // EAGAIN: all pending connections taken
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (open.load() >= limits.max_connections) {
        // The longest idle connection makes room; with none (all busy), the new one goes.
        if (!lru.empty()) {
          CloseConn(Detach(lru.front()));
        } else {
          const std::string resp = ErrorResponse(503, "UNAVAILABLE",
                                                 "too many connections; retry", limits.error_headers);
          SendAll(fd, resp.data(), resp.size(), NowMonoMs() + 50);
          ::close(fd);
          continue;
        }
      }
      open.fetch_add(1);
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      PeerOf(fd, &c->ip, &c->port);
      c->last_activity_ms = NowMonoMs();
      Attach(std::move(c));
    }
  }

  void SweepTimeouts() {
    const int64_t now = NowMonoMs();
    std::vector<Conn*> idle_out, slow_out;
    for (Conn* c : lru) {
      if (c->linger_until_ms) {
        if (now >= c->linger_until_ms) idle_out.push_back(c);
      } else if (c->buf.empty()) {
        const int limit = c->served == 0 ? limits.header_timeout_ms : limits.keep_alive_timeout_ms;
        if (now - c->last_activity_ms > limit) idle_out.push_back(c);
      } else {
        const int limit = c->head_complete ? limits.body_timeout_ms : limits.header_timeout_ms;
        if (now - c->request_start_ms > limit) slow_out.push_back(c);
      }
    }
    for (Conn* c : idle_out) CloseConn(Detach(c));
    for (Conn* c : slow_out)
      Reject(c, 408, "REQUEST_TIMEOUT",
             c->head_complete ? "the request body did not arrive in time"
                              : "the request headers did not arrive in time");
  }

  // A request's answer is out: the connection goes back to the event thread for its
  // next request, or is closed.
  void Served(std::unique_ptr<Conn> conn, bool keep) {
    if (!keep || stopping.load()) return CloseConn(std::move(conn));
    Conn* c = conn.get();
    c->served++;
    c->last_activity_ms = NowMonoMs();
    c->request_start_ms = c->buf.empty() ? 0 : c->last_activity_ms;
    // One wake-up per batch of returns: the event thread takes the whole list when it
    // wakes, so only the return that finds the list empty needs to wake it (a syscall
    // and an event-thread switch saved per request under load).
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu);
      first = returned.empty();
      returned.push_back(std::move(conn));
    }
    if (first) Wake();
  }

  // A deferred answer, from the thread that finished it (a push's group leader): sent
  // without waiting; what the socket does not take now goes to a worker.
  void SendDeferred(std::unique_ptr<Conn> conn, std::string response, bool keep) {
    size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = ::send(conn->fd, response.data() + sent, response.size() - sent,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        response.erase(0, sent);
        {
          std::lock_guard<std::mutex> lock(mu);
          jobs.push_back(Job{std::move(conn), std::string(), std::move(response), keep});
        }
        cv.notify_one();
        return;
      } else {
        return CloseConn(std::move(conn));  // the client is gone
      }
    }
    Served(std::move(conn), keep);
  }

  void Worker() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !jobs.empty() || stopping.load(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      Conn* c = job.conn.get();
      const int fd = c->fd;
      if (job.request.empty()) {  // the rest of a deferred answer
        const bool sent = SendAll(fd, job.unsent.data(), job.unsent.size(),
                                  NowMonoMs() + limits.write_timeout_ms);
        Served(std::move(job.conn), sent && job.keep);
        continue;
      }
      const bool last = c->served + 1 >= limits.keep_alive_max_requests || stopping.load();
      const int64_t deadline = NowMonoMs() + limits.write_timeout_ms;
      const RoutedServer::Handled h = server.Handle(
          job.request, last, c->ip, c->port,
          [fd, deadline](const char* p, size_t n) { return SendAll(fd, p, n, deadline); },
          [this, &job]() -> std::unique_ptr<Responder> {
            return std::make_unique<ConnResponder>(this, std::move(job.conn));
          });
      // Deferred: the answer owns the connection (and may have sent and returned it).
      if (h == RoutedServer::Handled::kDeferred) continue;
      job.request.clear();
      Served(std::move(job.conn), h == RoutedServer::Handled::kKeep && !last);
    }
  }

  bool Serve() {
    epfd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd < 0 || wake_fd < 0) return false;
    ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
    ev.data.fd = wake_fd;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev);

    for (int i = 0; i < std::max(1, limits.threads); ++i) workers.emplace_back([this] { Worker(); });

    std::vector<epoll_event> events(256);
    int64_t next_sweep = NowMonoMs() + 100;
    while (!stopping.load()) {
      const int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd) {
          OnAccept();
        } else if (fd == wake_fd) {
          uint64_t v;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &v, sizeof v);
          std::vector<std::unique_ptr<Conn>> back;
          {
            std::lock_guard<std::mutex> lock(mu);
            back.swap(returned);
          }
          for (auto& c : back) Attach(std::move(c));
        } else {
          auto it = conns.find(fd);
          if (it != conns.end()) OnReadable(it->second.get());
        }
      }
      if (NowMonoMs() >= next_sweep) {
        if (accept_paused_until_ms && NowMonoMs() >= accept_paused_until_ms) PauseAccept(false);
        SweepTimeouts();
        next_sweep = NowMonoMs() + 100;
      }
    }

    ::close(listen_fd);
    while (!lru.empty()) CloseConn(Detach(lru.front()));
    cv.notify_all();
    {
      // Every deferred answer is sent (or its connection closed) before Serve returns:
      // after that nothing may reach this front. Bounded, should one never be finished.
      std::unique_lock<std::mutex> lock(mu);
      if (!deferred_cv.wait_for(lock, std::chrono::seconds(30), [&] { return deferred == 0; }))
        std::fprintf(stderr, "edgestay-server: stopping with %d answers unsent\n", deferred);
    }
    for (auto& t : workers) t.join();
    for (auto& c : returned) CloseConn(std::move(c));
    returned.clear();
    for (auto& j : jobs) CloseConn(std::move(j.conn));
    jobs.clear();
    ::close(epfd);
    ::close(wake_fd);
    return true;
  }
};

HttpFront::HttpFront(RoutedServer& server, const FrontLimits& limits)
    : impl_(new Impl(server, limits)) {}

HttpFront::~HttpFront() { delete impl_; }

bool HttpFront::Serve(int listen_fd) {
  impl_->listen_fd = listen_fd;
  return impl_->Serve();
}

void HttpFront::Stop() {
  impl_->stopping.store(true);
  impl_->cv.notify_all();
  if (impl_->wake_fd >= 0) impl_->Wake();
}

}  // namespace edgestay::server
