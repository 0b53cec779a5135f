#include "c2am/core/cpu_engine.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "c2am/core/error.hpp"

namespace c2am {

namespace {

CpuEngine initial_engine() {
  const CpuEngine fallback = onednn_available() ? CpuEngine::OneDnn : CpuEngine::Reference;
  const char* env = std::getenv("C2AM_CPU_ENGINE");
  if (env == nullptr || *env == '\0') return fallback;
  const std::string value(env);
  if (value == "reference") return CpuEngine::Reference;
  check(value == "onednn", "C2AM_CPU_ENGINE", "unknown value \"", value, "\" (expected reference or onednn)");
  check(onednn_available(), "C2AM_CPU_ENGINE", "onednn asked for, but this build of c2am has no oneDNN");
  return CpuEngine::OneDnn;
}

std::atomic<CpuEngine>& engine_state() {
  static std::atomic<CpuEngine> state{initial_engine()};
  return state;
}

}  // namespace

CpuEngine cpu_engine() { return engine_state().load(std::memory_order_relaxed); }

void set_cpu_engine(CpuEngine engine) {
  check(engine != CpuEngine::OneDnn || onednn_available(), "set_cpu_engine",
        "this build of c2am has no oneDNN (install libdnnl-dev with scripts/install-deps.sh and configure again)");
  engine_state().store(engine, std::memory_order_relaxed);
}

}  // namespace c2am
