# Finds the libraries c2am builds with. Debian's packages are the normal
# source (scripts/install-deps.sh). A machine without apt — the GPU machines
# scripts/gpu-check runs on — gets copies of the same headers (and the shared
# libraries of tinyxml2, libpng and libjpeg-turbo) in third_party_copies/, made on the development machine by
# scripts/bundle-deps.sh; that folder is ignored by git.

set(C2AM_BUNDLE_DIR "${PROJECT_SOURCE_DIR}/third_party_copies" CACHE PATH "Copies of dependencies for machines without apt")

function(c2am_missing what)
  message(FATAL_ERROR "c2am: ${what} not found. Run scripts/install-deps.sh (Debian), or scripts/bundle-deps.sh on a "
                      "machine that has it and carry third_party_copies/ along.")
endfunction()

# Header-only libraries: the package's CMake config, or an interface target on the copy.
function(c2am_header_library target package marker bundled_include)
  find_package(${package} QUIET ${ARGN})
  if(TARGET ${target})
    return()
  endif()
  if(EXISTS "${C2AM_BUNDLE_DIR}/${marker}")
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${C2AM_BUNDLE_DIR}/${bundled_include}")
    message(STATUS "c2am: ${package} from ${C2AM_BUNDLE_DIR}")
  else()
    c2am_missing(${package})
  endif()
endfunction()

c2am_header_library(Eigen3::Eigen Eigen3 eigen3/Eigen/Core eigen3 3.3 NO_MODULE)
c2am_header_library(nlohmann_json::nlohmann_json nlohmann_json include/nlohmann/json.hpp include 3.10)
c2am_header_library(CLI11::CLI11 CLI11 include/CLI/CLI.hpp include 2)

# Shared libraries: the package's own find module or config, or an imported
# target on the bundled copy.
function(c2am_shared_library target package library what)
  find_package(${package} QUIET)
  if(TARGET ${target})
    return()
  endif()
  if(EXISTS "${C2AM_BUNDLE_DIR}/lib/${library}")
    add_library(${target} SHARED IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${C2AM_BUNDLE_DIR}/lib/${library}"
                                               INTERFACE_INCLUDE_DIRECTORIES "${C2AM_BUNDLE_DIR}/include")
    message(STATUS "c2am: ${what} from ${C2AM_BUNDLE_DIR}")
  else()
    c2am_missing("${what}")
  endif()
endfunction()

c2am_shared_library(tinyxml2::tinyxml2 tinyxml2 libtinyxml2.so tinyxml2)
# libpng: label maps are read as class ids (palette indices, 16-bit gray).
c2am_shared_library(PNG::PNG PNG libpng16.so libpng)
# libjpeg-turbo: JPEG decoded as the reference code's Pillow decodes it.
c2am_shared_library(JPEG::JPEG JPEG libjpeg.so "libjpeg-turbo (libjpeg62-turbo-dev)")

find_path(C2AM_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb HINTS "${C2AM_BUNDLE_DIR}/include")
if(NOT C2AM_STB_INCLUDE_DIR)
  c2am_missing("stb (stb_image.h)")
endif()

if(C2AM_BUILD_TESTS)
  find_package(Catch2 2 QUIET)
  if(NOT TARGET Catch2::Catch2)
    if(EXISTS "${C2AM_BUNDLE_DIR}/include/catch2/catch.hpp")
      add_library(Catch2::Catch2 INTERFACE IMPORTED GLOBAL)
      set_target_properties(Catch2::Catch2 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${C2AM_BUNDLE_DIR}/include")
      list(APPEND CMAKE_MODULE_PATH "${C2AM_BUNDLE_DIR}/cmake/Catch2")
      message(STATUS "c2am: Catch2 from ${C2AM_BUNDLE_DIR}")
    else()
      c2am_missing(Catch2)
    endif()
  endif()
endif()

# oneDNN (Debian's libdnnl-dev): the CPU engine for float32 convolution, batch
# norm and pooling (docs/cpu-engine.md). AUTO uses it when found; without it
# c2am's own reference kernels run. The GPU machines of scripts/gpu-check have
# no copy (its library alone is 40 MB), so their builds go without.
set(C2AM_ONEDNN "AUTO" CACHE STRING "Use oneDNN for CPU convolution, batch norm and pooling: AUTO, ON or OFF")
set_property(CACHE C2AM_ONEDNN PROPERTY STRINGS AUTO ON OFF)
set(C2AM_WITH_ONEDNN OFF)
if(NOT C2AM_ONEDNN STREQUAL "OFF")
  # Found by hand: Debian's dnnl-config.cmake insists on OpenCL's headers,
  # which a CPU-only use does not need.
  find_path(C2AM_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(C2AM_DNNL_LIBRARY NAMES dnnl)
  if(C2AM_DNNL_INCLUDE_DIR AND C2AM_DNNL_LIBRARY)
    file(STRINGS "${C2AM_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _dnnl_major REGEX "define DNNL_VERSION_MAJOR")
    string(REGEX MATCH "[0-9]+" _dnnl_major "${_dnnl_major}")
    if(_dnnl_major EQUAL 2)
      set(C2AM_WITH_ONEDNN ON)
      add_library(c2am_dnnl INTERFACE)
      target_include_directories(c2am_dnnl INTERFACE "${C2AM_DNNL_INCLUDE_DIR}")
      target_link_libraries(c2am_dnnl INTERFACE "${C2AM_DNNL_LIBRARY}")
      message(STATUS "c2am: oneDNN ${_dnnl_major}.x at ${C2AM_DNNL_LIBRARY}")
    else()
      message(STATUS "c2am: oneDNN at ${C2AM_DNNL_LIBRARY} is version ${_dnnl_major}, not 2.x: not used")
    endif()
  endif()
  if(NOT C2AM_WITH_ONEDNN AND C2AM_ONEDNN STREQUAL "ON")
    c2am_missing("oneDNN 2.x (libdnnl-dev)")
  endif()
endif()

# MPI (Debian's Open MPI, libopenmpi-dev + openmpi-bin): data-parallel
# training across CPU processes and the exchange of NCCL's id
# (docs/distributed.md). AUTO uses it when found.
set(C2AM_MPI "AUTO" CACHE STRING "Build the MPI communicator: AUTO, ON or OFF")
set_property(CACHE C2AM_MPI PROPERTY STRINGS AUTO ON OFF)
set(C2AM_WITH_MPI OFF)
if(NOT C2AM_MPI STREQUAL "OFF")
  # The C API from C++ (the project has no C language); no C++ bindings.
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI QUIET COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(C2AM_WITH_MPI ON)
    message(STATUS "c2am: MPI ${MPI_CXX_VERSION} (${MPIEXEC_EXECUTABLE})")
  elseif(C2AM_MPI STREQUAL "ON")
    c2am_missing("MPI (libopenmpi-dev, openmpi-bin)")
  endif()
endif()
