# c2am_find_cudnn(): finds cuDNN's headers and library, sets CUDNN_INCLUDE_DIR,
# CUDNN_LIBRARY (cache) and CUDNN_VERSION, and prints which cuDNN was chosen.
#
# An explicit root (the CUDNN_ROOT variable, else the environment variable)
# is searched alone, headers and library both: a user who names a cuDNN gets
# that one or an error, never another one that happens to be visible. Its
# layout may be a CUDA-style tree or Python's nvidia-cudnn wheel (include/,
# lib/ holding only the versioned libcudnn.so.9). Without a root, the
# toolkit's folders and the system's are searched, each folder for every
# name before the next folder (NAMES_PER_DIR), so that the unversioned name
# elsewhere does not win over the versioned one in a better place.
#
# `extra_hints`: folders searched (after nothing explicit was given) before
# the system's, e.g. the CUDA toolkit's root.

set(_C2AM_CUDNN_LIBRARY_SUFFIXES lib lib64 lib/x86_64-linux-gnu lib/aarch64-linux-gnu)

# The version written in cudnn_version.h (cuDNN ≥ 8) or cudnn.h.
function(_c2am_cudnn_header_version include_dir out)
  set(version "")
  foreach(header cudnn_version.h cudnn.h)
    if(version STREQUAL "" AND EXISTS "${include_dir}/${header}")
      file(STRINGS "${include_dir}/${header}" lines REGEX "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
      foreach(part MAJOR MINOR PATCHLEVEL)
        string(REGEX MATCH "CUDNN_${part} +([0-9]+)" _ "${lines}")
        set(${part} "${CMAKE_MATCH_1}")
      endforeach()
      if(NOT MAJOR STREQUAL "")
        set(version "${MAJOR}.${MINOR}.${PATCHLEVEL}")
      endif()
    endif()
  endforeach()
  set(${out} "${version}" PARENT_SCOPE)
endfunction()

function(c2am_find_cudnn)
  set(extra_hints ${ARGN})
  set(root "${CUDNN_ROOT}")
  if(root STREQUAL "" AND DEFINED ENV{CUDNN_ROOT})
    set(root "$ENV{CUDNN_ROOT}")
  endif()

  # Results cached for another root are stale: search again.
  if(NOT "${root}" STREQUAL "${_C2AM_CUDNN_SEARCHED_ROOT}")
    unset(CUDNN_INCLUDE_DIR CACHE)
    unset(CUDNN_LIBRARY CACHE)
    set(_C2AM_CUDNN_SEARCHED_ROOT "${root}" CACHE INTERNAL "cuDNN root the cached results came from")
  endif()

  if(NOT root STREQUAL "")
    find_path(CUDNN_INCLUDE_DIR cudnn.h PATHS "${root}" PATH_SUFFIXES include NO_DEFAULT_PATH)
    find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 libcudnn.so.8 NAMES_PER_DIR PATHS "${root}"
                 PATH_SUFFIXES ${_C2AM_CUDNN_LIBRARY_SUFFIXES} NO_DEFAULT_PATH)
    if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
      message(FATAL_ERROR "c2am: CUDNN_ROOT=${root} holds no cuDNN (looked for include/cudnn.h and "
                          "lib*/libcudnn.so, libcudnn.so.9 or libcudnn.so.8); headers: ${CUDNN_INCLUDE_DIR}, library: "
                          "${CUDNN_LIBRARY}. Point CUDNN_ROOT at a cuDNN, or remove it (-UCUDNN_ROOT) to search the "
                          "toolkit and the system")
    endif()
  else()
    find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${extra_hints} PATH_SUFFIXES include)
    find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 libcudnn.so.8 NAMES_PER_DIR HINTS ${extra_hints}
                 PATH_SUFFIXES ${_C2AM_CUDNN_LIBRARY_SUFFIXES})
  endif()
  if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
    set(CUDNN_VERSION "" PARENT_SCOPE)
    return()
  endif()

  # The headers' major version must be the library's (from its soname).
  _c2am_cudnn_header_version("${CUDNN_INCLUDE_DIR}" version)
  get_filename_component(library_real "${CUDNN_LIBRARY}" REALPATH)
  string(REGEX MATCH "\\.so\\.([0-9]+)" _ "${library_real}")
  set(library_major "${CMAKE_MATCH_1}")
  string(REGEX MATCH "^[0-9]+" header_major "${version}")
  if(NOT library_major STREQUAL "" AND NOT header_major STREQUAL "" AND NOT library_major STREQUAL header_major)
    message(FATAL_ERROR "c2am: cuDNN headers in ${CUDNN_INCLUDE_DIR} are version ${version} but the library "
                        "${CUDNN_LIBRARY} is major version ${library_major}; set CUDNN_ROOT to one cuDNN")
  endif()
  set(CUDNN_VERSION "${version}" PARENT_SCOPE)
  if(root STREQUAL "")
    set(origin "searched")
  else()
    set(origin "from CUDNN_ROOT")
  endif()
  message(STATUS "c2am: cuDNN ${version} (${origin}) — headers ${CUDNN_INCLUDE_DIR}, library ${CUDNN_LIBRARY}")
endfunction()
