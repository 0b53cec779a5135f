# Decides whether the CUDA backend is built (C2AM_WITH_CUDA) and finds cuDNN.
#
# cuDNN: CUDNN_ROOT (variable or environment) alone when given, which may be
# Python's nvidia-cudnn wheel (include/, lib/ with only libcudnn.so.9), as on
# GPU machines where cuDNN comes from pip; else the toolkit's and the
# system's folders (cmake/C2amFindCudnn.cmake).

set(C2AM_WITH_CUDA OFF)
if(C2AM_CUDA STREQUAL "OFF")
  return()
endif()

include(CheckLanguage)
check_language(CUDA)
find_package(CUDAToolkit QUIET)

include(${CMAKE_CURRENT_LIST_DIR}/C2amFindCudnn.cmake)
c2am_find_cudnn(${CUDAToolkit_LIBRARY_ROOT} ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda /usr)

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

# -lineinfo lets compute-sanitizer and ncu name source lines (scripts/gpu-check
# turns it on); it does not change the generated code.
option(C2AM_CUDA_LINEINFO "Compile CUDA code with -lineinfo" OFF)
if(C2AM_CUDA_LINEINFO)
  add_compile_options($<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
endif()

# The chosen cuDNN's headers as a plain -I (not -isystem, IMPORTED_NO_SYSTEM):
# they are searched before the toolkit's include folder, which may hold
# another cuDNN's headers.
add_library(c2am_cudnn UNKNOWN IMPORTED)
set_target_properties(c2am_cudnn PROPERTIES IMPORTED_LOCATION "${CUDNN_LIBRARY}"
                                            INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}"
                                            IMPORTED_NO_SYSTEM TRUE)
set(C2AM_WITH_CUDA ON)
message(STATUS "c2am: CUDA architectures ${CMAKE_CUDA_ARCHITECTURES}, lineinfo ${C2AM_CUDA_LINEINFO}")
