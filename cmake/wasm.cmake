# The WebAssembly build (emcmake cmake --preset wasm; README "The wasm build"), included by the
# top-level CMakeLists.txt when the compiler is emscripten's.

# emscripten's toolchain finds packages in its own sysroot only, and pointing it at /usr would put
# the host's C library headers on the include path. xtensor, xtl and xsimd are header-only: the
# build links their folders, and nothing else of /usr/include, into build/wasm/host_include.
set(XGRAD_HOST_INCLUDE /usr/include CACHE PATH "Where xtensor, xtl and xsimd's headers are (the wasm build uses them as they are)")
set(host_include ${PROJECT_BINARY_DIR}/host_include)
file(MAKE_DIRECTORY ${host_include})
foreach(lib IN ITEMS xtensor xtl xsimd)
  if(NOT EXISTS ${XGRAD_HOST_INCLUDE}/${lib})
    message(FATAL_ERROR "xgrad (wasm): ${XGRAD_HOST_INCLUDE}/${lib} not found: apt-get install xtensor-dev "
                        "(or set XGRAD_HOST_INCLUDE to where its headers are)")
  endif()
  file(CREATE_LINK ${XGRAD_HOST_INCLUDE}/${lib} ${host_include}/${lib} SYMBOLIC)
endforeach()
add_library(xtensor INTERFACE IMPORTED)
set_target_properties(xtensor PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${host_include})

foreach(option IN ITEMS XGRAD_BLAS XGRAD_ZLIB XGRAD_NATIVE XGRAD_DISTRIBUTED XGRAD_BUILD_PLOT)
  if(${option})
    message(FATAL_ERROR "xgrad (wasm): ${option} must be OFF for WebAssembly (configure with --preset wasm)")
  endif()
endforeach()

# xsimd 8.1 has no WebAssembly backend. With SSE 4.2 enabled it takes its SSE path, which
# emscripten translates to wasm simd128 (the playground's losses match native ones; -mavx does not
# compile). PUBLIC, like -march=native natively: the instruction set fixes xt::xarray's alignment.
# Exceptions: emscripten's default catches none, and xgrad reports every bad input by throwing
# xg::Error, which the bindings hand to JavaScript. "wasm": WebAssembly's own exception handling
# (Chrome 95, Firefox 100, Safari 15.2, Node 17 and later); "js": emscripten's older emulation
# through JavaScript, which runs everywhere but routes calls that may throw through JS.
set(XGRAD_WASM_EXCEPTIONS wasm CACHE STRING "How the wasm build catches C++ exceptions: wasm or js")
set_property(CACHE XGRAD_WASM_EXCEPTIONS PROPERTY STRINGS wasm js)
if(XGRAD_WASM_EXCEPTIONS STREQUAL "wasm")
  set(XGRAD_WASM_EH_FLAG -fwasm-exceptions)
elseif(XGRAD_WASM_EXCEPTIONS STREQUAL "js")
  set(XGRAD_WASM_EH_FLAG -fexceptions)
else()
  message(FATAL_ERROR "xgrad (wasm): XGRAD_WASM_EXCEPTIONS is wasm or js, not ${XGRAD_WASM_EXCEPTIONS}")
endif()
set(XGRAD_WASM_FLAGS -msimd128 -msse4.2 ${XGRAD_WASM_EH_FLAG})
