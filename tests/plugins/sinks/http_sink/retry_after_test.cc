// http-sink's reading of Retry-After (plugins/sinks/http_sink/http_sink.cc,
// compiled into this test program): delay-seconds and the three HTTP date
// forms of RFC 9110, relative to a fixed "now".
#include "plugins/sinks/http_sink/http_sink.h"

#include <gtest/gtest.h>

namespace sluice_plugins {
namespace {

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's own example.
const auto kNow = std::chrono::system_clock::from_time_t(784111777);

TEST(RetryAfterTest, DelaySeconds) {
  EXPECT_EQ(HttpSink::parseRetryAfter("120", kNow), 120000);
  EXPECT_EQ(HttpSink::parseRetryAfter(" 0 ", kNow), 0);
  EXPECT_EQ(HttpSink::parseRetryAfter("7\r\n", kNow), 7000);
}

TEST(RetryAfterTest, HttpDatesInEveryForm) {
  EXPECT_EQ(HttpSink::parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", kNow), 10000);    // IMF-fixdate
  EXPECT_EQ(HttpSink::parseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", kNow), 60000);   // RFC 850
  EXPECT_EQ(HttpSink::parseRetryAfter("Sun Nov  6 08:49:39 1994", kNow), 2000);          // asctime
  EXPECT_EQ(HttpSink::parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", kNow), 0) << "a past date: now";
}

TEST(RetryAfterTest, UnreadableIsIgnored) {
  EXPECT_EQ(HttpSink::parseRetryAfter("", kNow), -1);
  EXPECT_EQ(HttpSink::parseRetryAfter("soon", kNow), -1);
  EXPECT_EQ(HttpSink::parseRetryAfter("-5", kNow), -1);
  EXPECT_EQ(HttpSink::parseRetryAfter("99999999999", kNow), -1) << "more than a year";
}

}  // namespace
}  // namespace sluice_plugins
