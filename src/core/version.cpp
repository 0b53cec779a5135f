#include "c2am/version.hpp"

namespace c2am {

const char* version() { return C2AM_VERSION_STRING; }

}  // namespace c2am
