#include "c2am/core/device.hpp"

#include <cctype>

#include "c2am/core/error.hpp"

namespace c2am {

Device Device::parse(const std::string& text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  const std::string prefix = "cuda:";
  if (text.rfind(prefix, 0) == 0 && text.size() > prefix.size() && text.size() <= prefix.size() + 3) {
    int index = 0;
    for (std::size_t i = prefix.size(); i < text.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
        throw Error("device: cannot parse '" + text + "' (expected cpu, cuda or cuda:N)");
      }
      index = index * 10 + (text[i] - '0');
    }
    return cuda(index);
  }
  throw Error("device: cannot parse '" + text + "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

}  // namespace c2am

// The TF32 switch is plain state, the same in builds with and without CUDA.
#include <atomic>

#include "c2am/cuda/runtime.hpp"

namespace c2am::cuda {
namespace {
std::atomic<bool> tf32_allowed{true};
std::atomic<bool> poison{false};
}
void set_poison_allocations(bool on) { poison = on; }
bool poison_allocations() { return poison; }
void set_allow_tf32(bool allow) { tf32_allowed = allow; }
bool allow_tf32() { return tf32_allowed; }
}  // namespace c2am::cuda
