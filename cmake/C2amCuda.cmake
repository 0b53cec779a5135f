# Decides whether the CUDA backend is built (C2AM_WITH_CUDA) and finds cuDNN.
#
# cuDNN is looked for in the CUDA toolkit, in CUDNN_ROOT (variable or
# environment) and in Python's nvidia-cudnn package layout (include/ and lib/
# with only the versioned libcudnn.so.9), as found on GPU machines where
# cuDNN comes from pip.

set(C2AM_WITH_CUDA OFF)
if(C2AM_CUDA STREQUAL "OFF")
  return()
endif()

include(CheckLanguage)
check_language(CUDA)
find_package(CUDAToolkit QUIET)

set(_c2am_cudnn_hints ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_ROOT} /usr/local/cuda /usr)
find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${_c2am_cudnn_hints} ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 HINTS ${_c2am_cudnn_hints}
             PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)

set(_c2am_missing "")
if(NOT CMAKE_CUDA_COMPILER)
  list(APPEND _c2am_missing "nvcc")
endif()
if(NOT CUDAToolkit_FOUND)
  list(APPEND _c2am_missing "CUDA toolkit")
endif()
if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
  list(APPEND _c2am_missing "cuDNN (set CUDNN_ROOT)")
endif()

if(_c2am_missing)
  if(C2AM_CUDA STREQUAL "ON")
    message(FATAL_ERROR "C2AM_CUDA=ON but not found: ${_c2am_missing}")
  endif()
  message(STATUS "c2am: building without CUDA; not found: ${_c2am_missing}")
  return()
endif()

# sm_90 (H100/H200) machine code plus compute_90 PTX for newer GPUs.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)  # kernels need C++17 only; CMake 3.25 cannot ask nvcc for C++20
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

add_library(c2am_cudnn UNKNOWN IMPORTED)
set_target_properties(c2am_cudnn PROPERTIES IMPORTED_LOCATION "${CUDNN_LIBRARY}"
                                            INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
set(C2AM_WITH_CUDA ON)
message(STATUS "c2am: cuDNN ${CUDNN_LIBRARY}, CUDA architectures ${CMAKE_CUDA_ARCHITECTURES}")
