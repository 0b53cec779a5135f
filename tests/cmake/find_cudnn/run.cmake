# cmake -DC2AM_SOURCE_DIR=... -DWORK=... -P run.cmake
#
# Which cuDNN c2am's configure picks when several are visible. Fake trees:
#   wheel/   Python's nvidia-cudnn-cu13 layout: include/ (9.28.0) and only
#            lib/libcudnn.so.9, no unversioned name
#   toolkit/ a CUDA toolkit holding another cuDNN (9.1.0): include/ and
#            lib64/libcudnn.so (unversioned), passed as the toolkit hint
#   system/  a third cuDNN (9.3.0), put on CMAKE_PREFIX_PATH by some checks
#   old/     headers of cuDNN 8 with a libcudnn.so.9 (a broken mix)
cmake_minimum_required(VERSION 3.25)

function(fake_cudnn dir version library)
  string(REPLACE "." ";" parts "${version}")
  list(GET parts 0 major)
  list(GET parts 1 minor)
  list(GET parts 2 patch)
  file(WRITE "${dir}/include/cudnn.h" "#include \"cudnn_version.h\"\n")
  file(WRITE "${dir}/include/cudnn_version.h"
       "#define CUDNN_MAJOR ${major}\n#define CUDNN_MINOR ${minor}\n#define CUDNN_PATCHLEVEL ${patch}\n")
  file(WRITE "${dir}/${library}" "")
endfunction()

file(REMOVE_RECURSE "${WORK}")
fake_cudnn("${WORK}/wheel" 9.28.0 lib/libcudnn.so.9)
fake_cudnn("${WORK}/toolkit" 9.1.0 lib64/libcudnn.so)
fake_cudnn("${WORK}/system" 9.3.0 lib/libcudnn.so)
fake_cudnn("${WORK}/old" 8.9.7 lib/libcudnn.so.9)
file(MAKE_DIRECTORY "${WORK}/empty")

set(failures 0)
# configure(<name> <expect: wheel|toolkit|system|error> [cache args...])
function(configure name expect)
  set(build "${WORK}/build-${name}")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}" -B "${build}" -DC2AM_SOURCE_DIR=${C2AM_SOURCE_DIR}
            "-DTOOLKIT_HINT=${WORK}/toolkit" ${ARGN}
    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(ok TRUE)
  if(expect STREQUAL "error")
    # CMake wraps long messages at spaces, where depends on the path's length.
    string(REGEX REPLACE "[ \t\n]+" " " err_one_line "${err}")
    if(code EQUAL 0 OR NOT err_one_line MATCHES "c2am: CUDNN_ROOT=|is major version")
      set(ok FALSE)
    endif()
  else()
    file(READ "${build}/result.txt" result)
    if(NOT code EQUAL 0 OR NOT result MATCHES "include=${WORK}/${expect}/include\n"
       OR NOT result MATCHES "library=${WORK}/${expect}/lib")
      set(ok FALSE)
    endif()
    if(NOT out MATCHES "c2am: cuDNN [0-9.]+ \\(")
      set(ok FALSE)  # the choice must be printed
    endif()
  endif()
  if(ok)
    message(STATUS "ok: ${name} -> ${expect}")
  else()
    message(STATUS "FAILED: ${name}: expected ${expect}\n${out}\n${err}\n${result}")
    math(EXPR f "${failures} + 1")
    set(failures ${f} PARENT_SCOPE)
  endif()
endfunction()

set(prefix "-DCMAKE_PREFIX_PATH=${WORK}/system")
# A root is searched alone, whatever else is visible.
configure(wheel-root wheel "-DCUDNN_ROOT=${WORK}/wheel" ${prefix})
configure(toolkit-root toolkit "-DCUDNN_ROOT=${WORK}/toolkit" ${prefix})
# Without one: the user's CMAKE_PREFIX_PATH first (CMake's order), then the toolkit.
configure(no-root-prefix system ${prefix})
configure(no-root toolkit)
configure(empty-root error "-DCUDNN_ROOT=${WORK}/empty")
configure(mixed-versions error "-DCUDNN_ROOT=${WORK}/old")
# The same build folder, the root changed: the cached choice is replaced.
configure(reroot system ${prefix})
configure(reroot wheel "-DCUDNN_ROOT=${WORK}/wheel" ${prefix})
# The environment variable counts as the variable does.
set(ENV{CUDNN_ROOT} "${WORK}/wheel")
configure(env-root wheel ${prefix})
unset(ENV{CUDNN_ROOT})

file(READ "${WORK}/build-wheel-root/result.txt" result)
if(NOT result MATCHES "version=9.28.0")
  message(STATUS "FAILED: the wheel's version was not read: ${result}")
  math(EXPR failures "${failures} + 1")
endif()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} cuDNN search check(s) failed")
endif()
