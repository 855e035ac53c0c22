#pragma once
// XGRAD_BLAS: 1 when the build multiplies with OpenBLAS (the default), 0 when CMake's
// XGRAD_BLAS=OFF sent every product to the portable gemm (the WebAssembly build). Only the OFF
// build defines it, so the default build's compile lines, and its ccache entries, stay as they were.
#ifndef XGRAD_BLAS
#define XGRAD_BLAS 1
#endif
