#pragma once
// Internal to distributed/*.cpp (not installed): the communicators and MPI error checking.
#include <mpi.h>

#include <cstdint>

#include "xgrad/core/dtype.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::distributed::detail {

// The world's communicator for the collectives, and a second one that only
// DistributedDataParallel's bucket allreduces use, so that its requests in flight during
// backward never interleave with a collective issued meanwhile (SyncBatchNorm's, a user's).
MPI_Comm world();
MPI_Comm gradients();

// Throws xg::Error naming the MPI call and MPI's own error text when rc is not MPI_SUCCESS.
void check(int rc, const char* call);

MPI_Datatype mpi_type(Dtype dtype);  // float32 -> MPI_FLOAT, float64 -> MPI_DOUBLE, int64
void require_init(const char* op);

}  // namespace xgrad::distributed::detail
