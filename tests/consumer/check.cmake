# Run by ctest (test install_and_consume): installs the xgrad build in XGRAD_BUILD_DIR into a
# scratch prefix, then configures, builds and runs the consumer project in CONSUMER_DIR against
# it. Usage: cmake -DXGRAD_BUILD_DIR=<build> -DCONSUMER_DIR=<tests/consumer> -P check.cmake
foreach(var IN ITEMS XGRAD_BUILD_DIR CONSUMER_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "check.cmake: pass -D${var}=<path>")
  endif()
endforeach()

set(work ${XGRAD_BUILD_DIR}/consumer-check)
set(prefix ${work}/prefix)
set(consumer_build ${work}/build)
file(REMOVE_RECURSE ${work})

# Build the consumer with the compiler and build type xgrad was built with.
load_cache(${XGRAD_BUILD_DIR} READ_WITH_PREFIX xgrad_ CMAKE_CXX_COMPILER CMAKE_BUILD_TYPE)

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "check.cmake: ${name} failed (${rc}):\n  ${command}\n${out}")
  endif()
  message(STATUS "${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("install" ${CMAKE_COMMAND} --install ${XGRAD_BUILD_DIR} --prefix ${prefix})
step("configure consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${consumer_build} -DCMAKE_PREFIX_PATH=${prefix}
     -DCMAKE_CXX_COMPILER=${xgrad_CMAKE_CXX_COMPILER} -DCMAKE_BUILD_TYPE=${xgrad_CMAKE_BUILD_TYPE})
step("build consumer" ${CMAKE_COMMAND} --build ${consumer_build})
step("run consumer" ${consumer_build}/consumer)
message(STATUS "${step_output}")
step("run ergonomics" ${consumer_build}/ergonomics)
message(STATUS "${step_output}")

# The user of docs/extending.md: its own loss and op, tested with <xgrad/testing.hpp>.
include(${CMAKE_CURRENT_LIST_DIR}/extending.cmake)
