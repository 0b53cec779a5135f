# Installs c2am into a staging prefix, builds examples/embed against it (CMake
# package) and a second consumer through pkg-config, and runs both on a
# generated image with a model trained by the installed command.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR, IMAGE_TOOL, CXX.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/embed -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/embed)
run(${prefix}/bin/c2am demo --quick --no-progress --out ${WORK_DIR}/demo)
run(${IMAGE_TOOL} ${WORK_DIR}/image.png)
run(${WORK_DIR}/embed/c2am_embed ${WORK_DIR}/demo/train/model.safetensors ${WORK_DIR}/image.png --size 96)
if(NOT last_output MATCHES "\"box\": \\[[0-9]+, [0-9]+, [0-9]+, [0-9]+\\]" OR NOT last_output MATCHES "\"width\": 96")
  message(FATAL_ERROR "unexpected output of the CMake consumer: ${last_output}")
endif()
message(STATUS "CMake consumer: ${last_output}")

# The same program through pkg-config.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(pkg-config --cflags --libs c2am)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CXX} -O1 ${SOURCE_DIR}/examples/embed/main.cpp -o ${WORK_DIR}/embed_pkgconfig ${flags})
run(${WORK_DIR}/embed_pkgconfig ${WORK_DIR}/demo/train/model.safetensors ${WORK_DIR}/image.png --size 96)
if(NOT last_output MATCHES "\"box\": \\[")
  message(FATAL_ERROR "unexpected output of the pkg-config consumer: ${last_output}")
endif()
message(STATUS "pkg-config consumer: ${last_output}")
