// Answers written later, from another thread (RoutedServer::Defer, the path a push takes
// to be answered by its group's leader): byte for byte what httplib writes for the same
// response set before the handler returned (headers, keep-alive, gzip); the connection
// stays in order for pipelined requests; a reader that does not read never blocks the
// answering thread; a client gone meanwhile, an answer dropped unsent, the keep-alive
// request limit and a stop with answers outstanding each end as the front promises
// (answered once, or the connection closed; the stop waits for them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "http_front.h"

namespace {

using namespace edgestay::server;
using namespace std::chrono_literals;

// The body both routes answer: `size` bytes of a repeating JSON-safe pattern.
std::string BodyOf(size_t size) {
  std::string b;
  b.reserve(size);
  for (size_t i = 0; i < size; ++i) b.push_back(static_cast<char>('a' + (i * 7 + i / 13) % 26));
  return b;
}

void Fill(const httplib::Request& req, httplib::Response& res) {
  const size_t size = req.has_param("size") ? std::stoul(req.get_param_value("size")) : 10;
  res.status = req.has_param("status") ? std::stoi(req.get_param_value("status")) : 200;
  res.set_header("X-Route", "answer");
  res.set_content(BodyOf(size), "application/json");
}

// A front whose POST /later defers its answer to the test (which plays the leader), and
// whose GET /now answers the same response at once.
class Fixture {
 public:
  explicit Fixture(FrontLimits limits = {}) {
    server_.set_default_headers({{"X-Default", "yes"}});
    server_.Get("/now", [](const httplib::Request& req, httplib::Response& res) { Fill(req, res); });
    server_.Post("/now", [](const httplib::Request& req, httplib::Response& res) { Fill(req, res); });
    server_.Post("/later", [this](const httplib::Request& req, httplib::Response& res) {
      auto copy = std::make_shared<httplib::Request>();
      copy->params = req.params;
      const bool deferred = RoutedServer::Defer(req, res, [this, copy](std::shared_ptr<DeferredResponse> d) {
        std::lock_guard<std::mutex> g(mu_);
        pending_.push_back({std::move(d), copy});
        cv_.notify_all();
      });
      EXPECT_TRUE(deferred);
    });
    limits.threads = 4;
    front_ = std::make_unique<HttpFront>(server_, limits);
    std::string error;
    const int fd = BindListener("127.0.0.1", 0, &port_, &error);
    EXPECT_GE(fd, 0) << error;
    serving_ = std::thread([this, fd] {
      front_->Serve(fd);
      served_ = true;
    });
  }
  ~Fixture() { Stop(); }

  bool served() const { return served_; }

  void Stop() {
    if (!serving_.joinable()) return;
    front_->Stop();
    serving_.join();
  }

  struct Pending {
    std::shared_ptr<DeferredResponse> reply;
    std::shared_ptr<httplib::Request> req;
    void Finish() {
      reply->Finish([this](httplib::Response& res) { Fill(*req, res); });
    }
  };
  // The oldest deferred answer (waits up to 10 s for one).
  Pending Take() {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, 10s, [&] { return !pending_.empty(); }));
    if (pending_.empty()) return {};
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    return p;
  }

  int Connect(int rcvbuf = 0) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }

 private:
  RoutedServer server_;
  std::unique_ptr<HttpFront> front_;
  int port_ = 0;
  std::thread serving_;
  std::atomic<bool> served_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
};

std::string Request(const std::string& method, const std::string& target, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

void SendAllTo(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    off += static_cast<size_t>(n);
  }
}

// Reads one response (framed by Content-Length); "" when the connection ended first or
// the response did not come within `wait`. *closed: the server closed the connection
// after it.
std::string ReadResponse(int fd, std::string* carry, bool* closed = nullptr,
                         std::chrono::seconds wait = 10s) {
  std::string& buf = *carry;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const size_t head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t cl = buf.find("Content-Length: ");
      const size_t len = cl < head_end ? std::stoul(buf.substr(cl + 16)) : 0;
      if (buf.size() >= head_end + 4 + len) {
        std::string out = buf.substr(0, head_end + 4 + len);
        buf.erase(0, out.size());
        if (closed) {
          pollfd p{fd, POLLIN, 0};
          char c;
          *closed = ::poll(&p, 1, 2000) == 1 && ::recv(fd, &c, 1, MSG_PEEK) == 0;
        }
        return out;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return "";
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return "";
    buf.append(chunk, static_cast<size_t>(n));
  }
}

// True when the server closed `fd` without sending anything more within 10 s.
bool ClosedWithoutAnswer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) != 1) return false;
  char c;
  return ::recv(fd, &c, 1, 0) <= 0;
}

std::string Exchange(const Fixture& f, const std::string& request) {
  const int fd = f.Connect();
  SendAllTo(fd, request);
  std::string carry;
  std::string r = ReadResponse(fd, &carry);
  ::close(fd);
  return r;
}

TEST(HttpFrontDefer, AnswersAsIfWrittenBeforeTheHandlerReturned) {
  Fixture f;
  for (const std::string extra : {"", "Accept-Encoding: gzip\r\n", "Connection: close\r\n"}) {
    for (const char* q : {"size=10", "size=5000", "size=200&status=409"}) {
      SCOPED_TRACE(extra + q);
      const std::string now = Exchange(f, Request("POST", std::string("/now?") + q, extra));
      const int fd = f.Connect();
      SendAllTo(fd, Request("POST", std::string("/later?") + q, extra));
      f.Take().Finish();
      std::string carry;
      const std::string later = ReadResponse(fd, &carry);
      ::close(fd);
      ASSERT_FALSE(now.empty());
      EXPECT_EQ(later, now);  // the same status line, headers (gzip, keep-alive) and body
      EXPECT_NE(now.find("X-Default: yes"), std::string::npos);
      if (!extra.empty() && extra[0] == 'A' && std::string(q) == "size=5000")
        EXPECT_NE(now.find("Content-Encoding: gzip"), std::string::npos);
    }
  }
}

TEST(HttpFrontDefer, PipelinedRequestsKeepTheirOrderAndTheConnectionStaysOpen) {
  Fixture f;
  const int fd = f.Connect();
  // Two requests in one write: the second waits in the buffer until the first is answered.
  SendAllTo(fd, Request("POST", "/later?size=3") + Request("GET", "/now?size=4"));
  std::this_thread::sleep_for(100ms);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "nothing may be answered before the deferred answer";
  f.Take().Finish();
  std::string carry;
  const std::string first = ReadResponse(fd, &carry);
  const std::string second = ReadResponse(fd, &carry);
  EXPECT_NE(first.find("\r\n\r\n" + BodyOf(3)), std::string::npos) << first;
  EXPECT_NE(second.find("\r\n\r\n" + BodyOf(4)), std::string::npos) << second;
  // And again on the same connection.
  SendAllTo(fd, Request("POST", "/later?size=5"));
  f.Take().Finish();
  EXPECT_NE(ReadResponse(fd, &carry).find("\r\n\r\n" + BodyOf(5)), std::string::npos);
  ::close(fd);
}

TEST(HttpFrontDefer, AReaderThatDoesNotReadNeverBlocksTheAnsweringThread) {
  // The connection is idle for the front once the answer is in the kernel's buffers; a
  // reader slow enough (a sanitizer build on a loaded machine) may take longer than the
  // default keep-alive timeout to drain them before its next request.
  FrontLimits limits;
  limits.keep_alive_timeout_ms = 120000;
  Fixture f(limits);
  const int fd = f.Connect(16384);
  SendAllTo(fd, Request("POST", "/later?size=8000000"));
  Fixture::Pending p = f.Take();
  // Far more than the socket buffers hold, and nobody reading yet: Finish must return.
  auto finished = std::async(std::launch::async, [&] { p.Finish(); });
  ASSERT_EQ(finished.wait_for(10s), std::future_status::ready);
  // (Slow under a sanitizer on a loaded machine: 8 MB through a small receive buffer.)
  std::string carry;
  const std::string r = ReadResponse(fd, &carry, nullptr, 120s);
  ASSERT_GE(r.size(), 8000000u);
  EXPECT_EQ(r.substr(r.size() - 8000000), BodyOf(8000000));
  // The rest went out from a worker, which then handed the connection back.
  SendAllTo(fd, Request("GET", "/now?size=6"));
  EXPECT_NE(ReadResponse(fd, &carry).find("\r\n\r\n" + BodyOf(6)), std::string::npos);
  ::close(fd);
}

TEST(HttpFrontDefer, AClientGoneMeanwhileOrAnAnswerDroppedUnsentClosesOnlyThatConnection) {
  Fixture f;
  const int gone = f.Connect();
  SendAllTo(gone, Request("POST", "/later"));
  Fixture::Pending p = f.Take();
  ::close(gone);
  std::this_thread::sleep_for(50ms);
  p.Finish();  // writes to a closed peer: the connection is closed, nothing else happens
  p.Finish();  // a second Finish does nothing

  const int dropped = f.Connect();
  SendAllTo(dropped, Request("POST", "/later"));
  (void)f.Take();  // the answer is dropped without Finish
  EXPECT_TRUE(ClosedWithoutAnswer(dropped));
  ::close(dropped);

  EXPECT_NE(Exchange(f, Request("GET", "/now?size=7")).find(BodyOf(7)), std::string::npos);
}

TEST(HttpFrontDefer, TheKeepAliveRequestLimitHolds) {
  FrontLimits limits;
  limits.keep_alive_max_requests = 2;
  Fixture f(limits);
  const int fd = f.Connect();
  std::string carry;
  SendAllTo(fd, Request("POST", "/later?size=1"));
  f.Take().Finish();
  bool closed = true;
  const std::string first = ReadResponse(fd, &carry, &closed);
  EXPECT_NE(first.find("Keep-Alive: "), std::string::npos) << first;
  EXPECT_FALSE(closed);
  SendAllTo(fd, Request("POST", "/later?size=2"));
  f.Take().Finish();
  const std::string second = ReadResponse(fd, &carry, &closed);
  EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST(HttpFrontDefer, AStopWaitsForAnswersOutstandingAndEachIsAnsweredOrClosed) {
  Fixture f;
  const int fd = f.Connect();
  SendAllTo(fd, Request("POST", "/later?size=9"));
  Fixture::Pending p = f.Take();
  const int dropped = f.Connect();
  SendAllTo(dropped, Request("POST", "/later?size=9"));
  Fixture::Pending q = f.Take();
  std::thread stopper([&] { f.Stop(); });
  std::this_thread::sleep_for(200ms);
  // The answers are finished on threads the front does not own: until each is finished
  // or dropped, the front must stay (Serve has not returned).
  EXPECT_FALSE(f.served());
  p.Finish();
  q = {};
  stopper.join();
  EXPECT_TRUE(f.served());
  // Answered (then closed, as the server stops) or closed: never left open and silent.
  std::string carry;
  const std::string r = ReadResponse(fd, &carry);
  if (!r.empty()) EXPECT_NE(r.find(BodyOf(9)), std::string::npos);
  EXPECT_TRUE(ClosedWithoutAnswer(fd));
  EXPECT_TRUE(ClosedWithoutAnswer(dropped));
  ::close(fd);
  ::close(dropped);
}

}  // namespace
