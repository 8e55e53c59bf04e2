// A one-line progress bar for training loops:
//   epoch 1/3 [=========>          ] 212/468  loss 0.4123  2315 img/s  ETA 0:21
// On a terminal the line is redrawn in place (at most ~10 times a second);
// when output is not a terminal only the final line of each bar is printed,
// so logs stay short. Header-only.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace examples {

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  /// A bar of `total` steps of `items_per_step` items (images) each.
  ProgressBar(std::string label, int total, int items_per_step, FILE* out = stdout)
      : label_(std::move(label)),
        total_(total),
        items_(items_per_step),
        out_(out),
        tty_(isatty(fileno(out)) != 0),
        start_(Clock::now()),
        last_draw_(start_) {}

  /// Records that `step` steps are done (1-based), with the latest loss.
  void update(int step, double loss) {
    step_ = step;
    loss_ = loss;
    auto now = Clock::now();
    if (tty_ && (now - last_draw_ > std::chrono::milliseconds(100) || step == total_)) {
      draw(now, false);
      last_draw_ = now;
    }
  }

  /// Ends the bar: the final line, with `suffix` appended, and a newline.
  void finish(const std::string& suffix = "") {
    suffix_ = suffix;
    draw(Clock::now(), true);
  }

  /// Seconds since the bar was created.
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  /// Items per second so far.
  double rate() const {
    double t = elapsed();
    return t > 0 ? double(step_) * items_ / t : 0;
  }

  /// Formats seconds as m:ss (or h:mm:ss).
  static std::string clock_text(double seconds) {
    long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
      std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
      std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
  }

  /// The bar's text for the current state (without a carriage return).
  std::string text(bool final) const {
    constexpr int kWidth = 24;
    int filled = total_ > 0 ? int(double(step_) / total_ * kWidth) : kWidth;
    std::string bar(size_t(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(size_t(kWidth - filled - 1), ' ');
    double t = elapsed(), r = rate();
    std::string time = final || step_ >= total_
                           ? "in " + clock_text(t)
                           : "ETA " + clock_text(step_ > 0 ? t / step_ * (total_ - step_) : 0);
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s [%s] %d/%d  loss %.4f  %.0f img/s  %s", label_.c_str(),
                  bar.c_str(), step_, total_, loss_, r, time.c_str());
    return buf + suffix_;
  }

 private:
  void draw(Clock::time_point, bool final) {
    if (!tty_ && !final) return;
    std::string s = text(final);
    // On a terminal: back to column 0, the text, then clear the rest of the line.
    std::fprintf(out_, "%s%s%s%s", tty_ ? "\r" : "", s.c_str(), tty_ ? "\033[K" : "",
                 final ? "\n" : "");
    std::fflush(out_);
  }

  std::string label_;
  int total_, items_;
  FILE* out_;
  bool tty_;
  Clock::time_point start_, last_draw_;
  int step_ = 0;
  double loss_ = 0;
  std::string suffix_;
};

}  // namespace examples
